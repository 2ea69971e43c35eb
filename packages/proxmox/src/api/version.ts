import type { ProxmoxHttp } from '../http/transport';

export interface PveVersionInfo {
  /** e.g. `8.4.0` */
  version: string;
  /** e.g. `8.4` */
  release: string;
  repoid: string;
}

export function versionApi(http: ProxmoxHttp) {
  return {
    get: (): Promise<PveVersionInfo> => http.call({ method: 'GET', path: '/version' }),
  };
}

/** Kept equal to package.json's version (a unit test checks it). */
export const CLIENT_VERSION = '0.1.0';
export const USER_AGENT = `guildserver-proxmox/${CLIENT_VERSION}`;

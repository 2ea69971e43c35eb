// A few hundred bytes of "kernel" for tests that need a running machine but no operating system: a multiboot
// image (QEMU's -kernel loads it directly) that prints a line on the serial port, then either halts for good,
// or waits for the ACPI power button and powers the machine off (PIIX4/ICH9 PM registers at 0x600).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type FakeGuestBehaviour = 'ignores-acpi' | 'honours-acpi' | 'powers-off-at-once';

export const FAKE_GUEST_BANNER = 'fake guest up';

const LOAD_ADDRESS = 0x100000;
const HEADER_BYTES = 32;
const MULTIBOOT_MAGIC = 0x1badb002;
const ADDRESS_FIELDS_VALID = 0x00010000;

const le16 = (value: number) => [value & 0xff, (value >> 8) & 0xff];
const movDx = (port: number) => [0x66, 0xba, ...le16(port)];
const movAx = (value: number) => [0x66, 0xb8, ...le16(value)];
const OUT_DX_AX = [0x66, 0xef];

function code(behaviour: FakeGuestBehaviour): number[] {
  const print = [
    ...movDx(0x3f8),
    ...[...`${FAKE_GUEST_BANNER}\n`].flatMap((c) => [0xb0, c.charCodeAt(0), 0xee]),
  ];
  const enablePowerButton = [...movDx(0x602), ...movAx(0x0100), ...OUT_DX_AX];
  // in ax,dx ; test ah,1 (PWRBTN_STS) ; jz back to the start of the loop
  const waitForPowerButton = [...movDx(0x600), 0x66, 0xed, 0xf6, 0xc4, 0x01, 0x74, 0xf5];
  const powerOff = [...movDx(0x604), ...movAx(0x2000), ...OUT_DX_AX]; // SLP_EN with SLP_TYP 0: soft off
  const haltForever = [0xf4, 0xeb, 0xfd];
  const body = [0xfa, ...print];
  if (behaviour === 'honours-acpi') body.push(...enablePowerButton, ...waitForPowerButton, ...powerOff);
  if (behaviour === 'powers-off-at-once') body.push(...powerOff);
  return [...body, ...haltForever];
}

function image(behaviour: FakeGuestBehaviour): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  const fields = [
    MULTIBOOT_MAGIC,
    ADDRESS_FIELDS_VALID,
    (0x100000000 - ((MULTIBOOT_MAGIC + ADDRESS_FIELDS_VALID) % 0x100000000)) % 0x100000000,
    LOAD_ADDRESS, // header_addr
    LOAD_ADDRESS, // load_addr
    0, // load_end_addr: the whole file
    0, // bss_end_addr: none
    LOAD_ADDRESS + HEADER_BYTES, // entry_addr
  ];
  for (const [i, value] of fields.entries()) header.writeUInt32LE(value, i * 4);
  return Buffer.concat([header, Buffer.from(code(behaviour))]);
}

/** Writes the kernel and a dummy initrd (loaded as a multiboot module) into `dir`. */
export function writeFakeGuest(
  dir: string,
  behaviour: FakeGuestBehaviour,
): { kernel: string; initrd: string; append: string } {
  const kernel = join(dir, `fake-${behaviour}.bin`);
  const initrd = join(dir, 'fake-initrd');
  writeFileSync(kernel, image(behaviour));
  writeFileSync(initrd, 'not an initrd\n');
  return { kernel, initrd, append: 'console=ttyS0' };
}

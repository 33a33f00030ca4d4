import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

export interface MachineInfo {
  date: string;
  cores: string;
  cpuModel: string;
  memory: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  return {
    date: run('date', ['-u']) ?? new Date().toUTCString(),
    cores: run('nproc', []) ?? String(availableParallelism()),
    cpuModel: cpuModel(),
    memory: memory(),
    node: process.version,
  };
}

function run(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // not Linux
  }
  return 'unknown';
}

function memory(): string {
  let kib: number | undefined;
  try {
    const line = readFileSync('/proc/meminfo', 'utf8').split('\n').find((l) => l.startsWith('MemTotal:'));
    if (line) kib = Number(line.split(/\s+/)[1]);
  } catch {
    // not Linux
  }
  const bytes = kib !== undefined ? kib * 1024 : totalmem();
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

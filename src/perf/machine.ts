/** What the machine was and how busy it was, so perf figures can be read in context. */
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { cores } from '../backend/index.ts';

export interface MachineInfo {
  cpu: { model: string; cores: number };
  memoryGiB: number;
  node: string;
  platform: string;
  tfjs: string;
}

export interface LoadSample {
  at: string;
  /** 1, 5 and 15 minute load averages (runnable processes), as `uptime` shows */
  loadavg: [number, number, number];
}

export function machineInfo(): MachineInfo {
  return {
    cpu: { model: os.cpus()[0]?.model.trim() ?? 'unknown', cores: cores() },
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    tfjs: tf.version_core,
  };
}

export function loadSample(): LoadSample {
  const [a, b, c] = os.loadavg();
  const r = (v: number | undefined) => Math.round((v ?? 0) * 100) / 100;
  return { at: new Date().toISOString(), loadavg: [r(a), r(b), r(c)] };
}

/** Data sample grid: a few images per class as PNG data URLs (image marks), one row per class. */
import type { TopLevelSpec } from 'vega-lite';
import type { DataSamples } from '../../core/types.ts';
import { pngDataUrl } from '../png.ts';
import { facetOrLayer } from './common.ts';

export interface SampleImage {
  panel: string;
  className: string;
  classIndex: number;
  example: number;
  url: string;
}

/** At most `perClass` images of each class, encoded as PNG data URLs. */
export function sampleImages(sets: readonly DataSamples[], perClass = 6): SampleImage[] {
  const out: SampleImage[] = [];
  for (const s of sets) {
    if (s.channels !== 1 && s.channels !== 3) continue;
    const taken = new Map<number, number>();
    s.images.forEach((img, i) => {
      const c = s.labels[i] ?? -1;
      const n = taken.get(c) ?? 0;
      if (n >= perClass || img.length !== s.height * s.width * s.channels) return;
      taken.set(c, n + 1);
      out.push({
        panel: s.label,
        className: `${c}: ${s.classNames[c] ?? 'class ' + c}`,
        classIndex: c,
        example: n + 1,
        url: pngDataUrl(img, s.width, s.height, s.channels as 1 | 3),
      });
    });
  }
  return out.sort((a, b) => a.panel.localeCompare(b.panel) || a.classIndex - b.classIndex || a.example - b.example);
}

export function samplesChart(images: readonly SampleImage[], opts: { size?: number } = {}): TopLevelSpec {
  const size = opts.size ?? 40;
  const classes = [...new Set(images.map((i) => i.className))];
  const perRow = Math.max(1, ...images.map((i) => i.example));
  const panels = [...new Set(images.map((i) => i.panel))];
  return facetOrLayer({
    title: 'Data samples',
    subtitle: 'A few training images per class, as the nets see them before normalization.',
    values: images,
    panels,
    width: (size + 4) * perRow,
    height: (size + 4) * classes.length,
    columns: 2,
    layer: [
      {
        mark: { type: 'image', width: size, height: size, aspect: false },
        encoding: {
          x: { field: 'example', type: 'ordinal', title: 'example', axis: null },
          y: { field: 'className', type: 'ordinal', title: 'class', sort: classes },
          url: { field: 'url', type: 'nominal' },
          tooltip: [{ field: 'className', title: 'class' }, { field: 'example', title: 'example' }, { field: 'panel', title: 'data' }],
        },
      },
    ],
  });
}

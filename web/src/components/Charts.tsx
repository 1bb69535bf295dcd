// Small SVG charts: no chart library, a few hundred bytes each.

export function Sparkline({ values, width = 120, height = 24, label }: { values: number[]; width?: number; height?: number; label: string }) {
  if (values.length === 0) return <svg width={width} height={height} role="img" aria-label={`${label}: no data`} />;
  const max = Math.max(...values, 1);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`).join(' ');
  return (
    <svg width={width} height={height} role="img" aria-label={`${label}: ${values.length} buckets, max ${max}`} class="spark">
      <polyline points={pts} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}

export interface Series {
  name: string;
  points: [number, number][]; // [x, y]
  color: string;
  step?: boolean;
}

export function LineChart({ series, width = 720, height = 220, label, yLabel, xFormat }: {
  series: Series[];
  width?: number;
  height?: number;
  label: string;
  yLabel?: string;
  xFormat?: (x: number) => string;
}) {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return <p class="muted">No data points for {label}.</p>;
  const pad = { l: 48, r: 12, t: 10, b: 24 };
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs, x0 + 1);
  const y1 = Math.max(...ys, 1) * 1.1;
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const sy = (y: number) => height - pad.b - (y / y1) * (height - pad.t - pad.b);
  const path = (s: Series) => {
    let d = '';
    s.points.forEach(([x, y], i) => {
      if (i === 0) d += `M${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
      else if (s.step) d += `H${sx(x).toFixed(1)}V${sy(y).toFixed(1)}`;
      else d += `L${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
    });
    return d;
  };
  const fmt = xFormat ?? ((x: number) => String(x));
  return (
    <figure class="chart">
      <svg width={width} height={height} role="img" aria-label={label}>
        <line x1={pad.l} y1={sy(0)} x2={width - pad.r} y2={sy(0)} stroke="#999" />
        <line x1={pad.l} y1={pad.t} x2={pad.l} y2={height - pad.b} stroke="#999" />
        <text x={4} y={pad.t + 10} font-size="10">{(y1 / 1.1).toFixed(y1 > 10 ? 0 : 2)}</text>
        <text x={4} y={sy(0)} font-size="10">0</text>
        {yLabel && <text x={pad.l + 4} y={pad.t + 10} font-size="10">{yLabel}</text>}
        <text x={pad.l} y={height - 6} font-size="10">{fmt(x0)}</text>
        <text x={width - pad.r} y={height - 6} font-size="10" text-anchor="end">{fmt(x1)}</text>
        {series.map((s) => (
          <path d={path(s)} fill="none" stroke={s.color} stroke-width="1.5" key={s.name} />
        ))}
      </svg>
      <figcaption>
        {series.map((s) => (
          <span class="legend" key={s.name}>
            <i style={{ background: s.color }} /> {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

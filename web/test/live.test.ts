import { describe, expect, it } from 'vitest';
import { Batcher, appendCapped } from '../src/api/live';

describe('Batcher', () => {
  it('hands over everything pushed before a frame in one flush', () => {
    const frames: (() => void)[] = [];
    const flushed: number[][] = [];
    const b = new Batcher<number>((items) => flushed.push(items), (fn) => frames.push(fn));
    for (let i = 0; i < 1000; i++) b.push(i);
    expect(frames).toHaveLength(1); // one render scheduled for 1,000 lines
    frames.shift()!();
    expect(flushed).toHaveLength(1);
    expect(flushed[0]).toHaveLength(1000);
    b.push(1000);
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(flushed[1]).toEqual([1000]);
  });
});

describe('appendCapped', () => {
  it('keeps only the newest items', () => {
    expect(appendCapped([1, 2, 3], [4, 5], 4)).toEqual([2, 3, 4, 5]);
    expect(appendCapped([1], [2], 10)).toEqual([1, 2]);
  });
});

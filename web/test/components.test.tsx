import { fireEvent, render, screen } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { Login } from '../src/app';
import { Sparkline } from '../src/components/Charts';
import { Badge, ErrorNote } from '../src/components/Common';
import { VirtualList } from '../src/components/VirtualList';
import { ApiError } from '../src/api/client';
import { splitMatchers } from '../src/pages/Alerts';

describe('VirtualList', () => {
  it('renders only the rows in view for 100,000 items', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => `line ${i}`);
    const { container } = render(<VirtualList label="lines" items={items} rowHeight={20} height={200} render={(s) => <span>{s}</span>} overscan={5} />);
    const rows = container.querySelectorAll('[role=listitem]');
    expect(rows.length).toBeLessThanOrEqual(10 + 2 * 5);
    expect(rows.length).toBeGreaterThan(0);
    expect(screen.getByText('line 0')).toBeTruthy();
    expect(screen.queryByText('line 50000')).toBeNull();
    const inner = container.querySelector('.vlist > div') as HTMLElement;
    expect(inner.style.height).toBe('2000000px');
  });
});

describe('Login', () => {
  it('refuses something that is not a token without calling the server', () => {
    const onToken = vi.fn();
    render(<Login onToken={onToken} />);
    fireEvent.input(screen.getByLabelText('API token'), { target: { value: 'hunter2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(onToken).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toContain('does not look like a kelola token');
  });

  it('passes a token on, from a password field', () => {
    const onToken = vi.fn();
    render(<Login onToken={onToken} />);
    const input = screen.getByLabelText('API token') as HTMLInputElement;
    expect(input.type).toBe('password');
    fireEvent.input(input, { target: { value: ' kl_abc123_s3cr3t ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(onToken).toHaveBeenCalledWith('kl_abc123_s3cr3t');
  });
});

describe('small components', () => {
  it('Badge classifies states', () => {
    const { container } = render(
      <div>
        <Badge value="Ready" />
        <Badge value="failed" />
        <Badge value="running" />
      </div>,
    );
    const classes = [...container.querySelectorAll('.badge')].map((b) => b.className);
    expect(classes).toEqual(['badge good', 'badge bad', 'badge busy']);
  });

  it('ErrorNote says the server is unreachable in words', () => {
    render(<ErrorNote error={new ApiError(0, 'UNREACHABLE', 'x')} what="hosts" />);
    expect(screen.getByRole('alert').textContent).toContain('Cannot reach the kelola server to load hosts');
  });

  it('Sparkline draws one point per bucket', () => {
    const { container } = render(<Sparkline values={[0, 5, 10]} label="t" />);
    expect(container.querySelector('polyline')!.getAttribute('points')!.split(' ')).toHaveLength(3);
  });
});

describe('splitMatchers', () => {
  it('splits on commas outside quotes', () => {
    expect(splitMatchers('alertname="A, B", service=~"api|web" ,env=prod')).toEqual(['alertname="A, B"', 'service=~"api|web"', 'env=prod']);
  });
});

import { extractDiagram } from '../../src/diagram';
import { buildReport, renderReportHtml, renderTrafficDot, type ChannelFigures } from '../../src/report';
import { whatsapp } from '../../examples/whatsapp';

const line = (message: string, channel: string, status: string, extra: object = {}): string =>
  JSON.stringify({ message, channel, status, ...extra });

describe('renderReportHtml', () => {
  test('untrusted text (provider details, message ids, reasons) is escaped', async () => {
    const report = await buildReport([
      line('e1', 'email', 'DROPPED', { detail: '<script>alert(1)</script> & "quoted"' }),
      line('<img src=x>', 'email', 'SEEN'),
    ]);
    const html = await renderReportHtml(report);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;');
    expect(html).toContain('&lt;img src=x&gt;');
  });

  test('a custom channel is drawn from the lifecycle passed in options, and refused without it', async () => {
    const report = await buildReport(
      [line('w1', 'whatsapp', 'sent'), line('w1', 'whatsapp', 'read', { at: 5 }), line('w2', 'whatsapp', 'failed')],
      { channels: [whatsapp] },
    );
    await expect(renderReportHtml(report)).rejects.toMatchObject({ code: 'unknown_channel' });
    const html = await renderReportHtml(report, { channels: [whatsapp] });
    expect(html).toContain('<h2>whatsapp</h2>');
    // No failure tags in this machine: the page says so instead of inventing failures.
    expect(html).toContain('The lifecycle tags no status as a failure.');
  });

  test('anything but a report is refused', async () => {
    await expect(renderReportHtml({} as never)).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

describe('renderTrafficDot', () => {
  const figures = async (): Promise<ChannelFigures> =>
    (
      await buildReport([
        ...Array.from({ length: 9 }, (_, i) => line(`s${i}`, 'sms', 'DELIVERED')),
        line('x', 'sms', 'SUBMITTED'),
        line('x', 'sms', 'UNDELIVERABLE'),
      ])
    ).channels[0];

  test('counts on edges and nodes, implied steps marked, width by volume, unreached statuses grey', async () => {
    const dot = renderTrafficDot(extractDiagram('sms'), await figures(), new Set(['UNDELIVERABLE', 'EXPIRED', 'FAILED']));
    const edge = (from: string, to: string) => dot.split('\n').find((l) => l.startsWith(`  "${from}" -> "${to}"`)) ?? '';
    expect(edge('REGISTERED', 'SUBMITTED')).toContain('label="10 (9 implied)"');
    expect(edge('SUBMITTED', 'DELIVERED')).toContain('label="9"');
    const width = (l: string) => Number(/penwidth=([\d.]+)/.exec(l)?.[1]);
    expect(width(edge('REGISTERED', 'SUBMITTED'))).toBeGreaterThan(width(edge('SUBMITTED', 'DELIVERED')));
    expect(width(edge('SUBMITTED', 'DELIVERED'))).toBeGreaterThan(width(edge('SUBMITTED', 'UNDELIVERABLE')));
    expect(edge('REGISTERED', 'FAILED')).toContain('style=dotted');
    expect(dot).toMatch(/"EXPIRED" \[label="EXPIRED\\n0"[^\]]*fontcolor="#b6bcc6"/);
    expect(dot).toMatch(/"DELIVERED" \[label="DELIVERED\\n9"/);
  });

  test('every edge of the diagram model is drawn, the timer too', async () => {
    const model = extractDiagram('sms');
    const dot = renderTrafficDot(model, await figures());
    for (const e of model.edges) expect(dot).toContain(`"${e.from}" -> "${e.to}"`);
    expect(dot).toContain('after 48 h');
  });
});

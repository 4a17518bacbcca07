import { fromSendGrid } from '../../src/providers';

test('a SendGrid bounce without its type says that the type is missing, still unmapped_status', () => {
  const [result] = fromSendGrid([{ event: 'bounce', sg_message_id: 'm-1', sg_event_id: 'e-1', timestamp: 1700000000 }]);
  expect(result).toMatchObject({ ok: false, code: 'unmapped_status', messageId: 'm-1' });
  expect(!result.ok && result.message).toBe(
    'fromSendGrid: a bounce needs its "type" ("bounce" or "blocked") to tell UNDELIVERABLE from REJECTED; it is missing',
  );
  const [typed] = fromSendGrid([{ event: 'bounce', type: 'blocked', sg_message_id: 'm-1' }]);
  expect(typed).toMatchObject({ ok: true, event: { status: 'REJECTED' } });
});

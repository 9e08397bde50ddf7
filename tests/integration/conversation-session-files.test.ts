/**
 * ConversationSession's files against the real server: `sendFile` uploads (fetch, a Blob body)
 * and the stored file message is shown once on both sides; `fileUrl` downloads with the bearer
 * into an object URL (Node's Blob URL registry stands in for the browser's), revoked on close.
 */
import { resolveObjectURL } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ConversationState, CounterpartError, ErrorCode, MAX_UPLOAD_BYTES } from '../../protocol/index';
import { delay, waitFor } from '../helpers/server';
import {
  acceptWith,
  agentClient,
  chatWithAgent,
  shopperInChat,
  storedMessages,
  type ShopperClient,
  useWorld,
  w,
} from '../helpers/session-clients';

useWorld();

/** The PNG signature and an IHDR chunk: what the server checks an image/png upload by. */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex')]);
const named = (parts: BlobPart[], type: string, name: string) => Object.assign(new Blob(parts, { type }), { name });
const blobAt = async (url: string) => {
  const b = resolveObjectURL(url);
  return b ? { type: b.type, bytes: Buffer.from(await b.arrayBuffer()) } : null;
};

describe('sendFile', () => {
  it('uploads the bytes with their type; the stored file message is shown once on both sides', async () => {
    const { shopper, agent } = await chatWithAgent(w);
    const id = shopper.s.conversationId!;
    shopper.s.send('a photo of the board:');
    await waitFor(() => (shopper.r.messages.length === 1 ? true : null), 'the text first');
    await shopper.s.sendFile(named([PNG], 'image/png', 'board photo.png'));
    // The HTTP answer and chat.message both bring it: shown once.
    expect(shopper.r.messages.map((m) => [m.seq, m.kind])).toEqual([
      [1, 'text'],
      [2, 'file'],
    ]);
    const file = shopper.r.messages[1]!.file!;
    expect(file).toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'board photo.png', type: 'image/png', size: PNG.length });
    // A File (a Blob with a name) from the agent too.
    await agent.s.sendFile(new File(['Dimensions: 40 × 25 cm'], 'sizes.txt', { type: 'text/plain' }));
    await waitFor(() => (shopper.r.messages.length === 3 && agent.r.messages.length === 3 ? true : null), 'three messages on both sides');
    await delay(200);
    const stored = await storedMessages(w.stack, id);
    for (const side of [shopper, agent]) expect(side.r.messages.map((m) => [m.seq, m.id, m.kind])).toEqual(stored.map((m) => [m.seq, m.id, m.kind]));
    expect(agent.r.messages[1]!.file).toEqual(file);
    expect(await w.stack.server.db('files').where({ conversation_id: id }).orderBy('name').select('name', 'type', 'size')).toEqual([
      { name: 'board photo.png', type: 'image/png', size: PNG.length },
      { name: 'sizes.txt', type: 'text/plain', size: Buffer.byteLength('Dimensions: 40 × 25 cm') },
    ]);
    expect([...shopper.r.errors, ...agent.r.errors]).toEqual([]);
  });

  it('refusals: a type or size the client knows is refused never leaves; the server’s refusal comes back with its code and status', async () => {
    const c = await shopperInChat(w);
    const id = c.s.conversationId!;
    await expect(c.s.sendFile(named(['MZ'], 'application/x-msdownload', 'x.exe'))).rejects.toMatchObject({ code: ErrorCode.UnsupportedType });
    await expect(c.s.sendFile(named([new Uint8Array(MAX_UPLOAD_BYTES + 1)], 'application/pdf', 'big.pdf'))).rejects.toMatchObject({ code: ErrorCode.TooLarge });
    // Queued: no agent to look at files yet.
    await expect(c.s.sendFile(named(['hello'], 'text/plain', 'note.txt'))).rejects.toMatchObject({ code: ErrorCode.InvalidTransition, status: 409 });
    const { shopper } = await chatWithAgentAfter(c);
    // Not a PNG, whatever its type says.
    await expect(shopper.s.sendFile(named(['<svg/>'], 'image/png', 'fake.png'))).rejects.toMatchObject({ code: ErrorCode.UnsupportedType, status: 415 });
    expect(await w.stack.server.db('files').where({ conversation_id: id }).count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await storedMessages(w.stack, id)).toEqual([]);
    expect(shopper.r.messages).toEqual([]);
  });
});

describe('fileUrl', () => {
  it('fetches a file of the conversation with the bearer into an object URL, once per file; revoked on close', async () => {
    const { shopper, agent } = await chatWithAgent(w);
    await shopper.s.sendFile(named(['order #1007, please'], 'text/plain', 'order.txt'));
    await waitFor(() => (agent.r.messages.length === 1 ? true : null), 'the file message at the agent');
    const fileId = agent.r.messages[0]!.file!.id;
    const [u1, u2] = await Promise.all([agent.s.fileUrl(fileId), agent.s.fileUrl(fileId)]);
    expect(u1).toMatch(/^blob:/);
    expect(u2).toBe(u1);
    expect(await agent.s.fileUrl(fileId)).toBe(u1);
    expect(await blobAt(u1)).toEqual({ type: 'text/plain', bytes: Buffer.from('order #1007, please') });
    // The sender can read it back too (its own URL).
    const mine = await shopper.s.fileUrl(fileId);
    expect((await blobAt(mine))?.bytes.toString()).toBe('order #1007, please');

    await expect(agent.s.fileUrl('../../etc/passwd')).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    // A file id that is not this conversation's: the server says not found.
    const stranger = await shopperInChat(w);
    await expect(stranger.s.fileUrl(fileId)).rejects.toMatchObject({ code: ErrorCode.NotFound, status: 404 });
    await expect(stranger.s.fileUrl('f'.repeat(32))).rejects.toBeInstanceOf(CounterpartError);

    // Ended first: closed sessions cannot end it (close is local only).
    agent.s.end();
    await waitFor(() => (shopper.s.view?.state === ConversationState.Closed ? true : null), 'ended');
    agent.s.close();
    await delay(0);
    expect(resolveObjectURL(u1)).toBeUndefined();
    expect(await blobAt(mine)).not.toBeNull();
    shopper.s.close();
    await delay(0);
    expect(resolveObjectURL(mine)).toBeUndefined();
  });
});

/** Alice takes this queued shopper's conversation. */
async function chatWithAgentAfter(c: ShopperClient) {
  const a = await agentClient(w);
  const agent = await acceptWith(w, a, c.s.conversationId!);
  await waitFor(() => (c.s.view?.state === ConversationState.Active ? true : null), "the shopper's view, active");
  return { shopper: c, agent };
}

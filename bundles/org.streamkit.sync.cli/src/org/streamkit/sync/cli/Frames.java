package org.streamkit.sync.cli;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The frames a command travels in between {@code ./streamkit} and a running instance, over a Unix domain
 * socket: one type byte, a 4-byte length, the bytes. Reads and writes use the channel directly (its read
 * and write sides work at once from two threads); each frame is written whole under one lock.
 */
final class Frames {

    /** Client to instance: the command's arguments, NUL-separated, UTF-8. */
    static final byte ARGS = 'A';
    /** Client to instance: bytes of standard input. */
    static final byte IN = 'I';
    /** Client to instance: standard input ended. */
    static final byte IN_END = 'E';
    /** Instance to client: bytes of standard output. */
    static final byte OUT = 'O';
    /** Instance to client: bytes of standard error. */
    static final byte ERR = 'R';
    /** Instance to client: the exit code (4 bytes); the last frame. */
    static final byte EXIT = 'X';
    /** The largest frame accepted, so a broken peer cannot make the other side allocate without bound. */
    static final int MAX_FRAME = 1 << 20;

    /** A frame read. */
    record Frame(byte type, byte[] bytes) {
    }

    private Frames() {
    }

    static void write(SocketChannel channel, byte type, byte[] bytes, int offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(5 + length);
        buffer.put(type).putInt(length).put(bytes, offset, length).flip();
        synchronized (channel) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    static void write(SocketChannel channel, byte type, byte[] bytes) throws IOException {
        write(channel, type, bytes, 0, bytes.length);
    }

    /** @throws EOFException when the channel ends before a whole frame */
    static Frame read(SocketChannel channel) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(5);
        fill(channel, head);
        head.flip();
        byte type = head.get();
        int length = head.getInt();
        if (length < 0 || length > MAX_FRAME) {
            throw new IOException("a frame of " + length + " bytes is not one of this protocol");
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        fill(channel, body);
        return new Frame(type, body.array());
    }

    private static void fill(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("the other side closed the connection");
            }
        }
    }

    /** A stream whose every write goes out as one frame of a type. */
    static OutputStream stream(SocketChannel channel, byte type) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] { (byte) b }, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                for (int done = 0; done < len; done += MAX_FRAME) {
                    Frames.write(channel, type, b, off + done, Math.min(MAX_FRAME, len - done));
                }
            }
        };
    }
}

package org.flinktriton.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * A complete KServe v2 message body: a JSON header, followed by raw binary tensors when any tensor
 * travels binary. Holds references to the encoder's buffers; writing it copies nothing.
 *
 * <p>Send it with {@link #contentType()} and, when {@link #hasBinary()}, the header {@value
 * #HEADER_LENGTH} set to {@link #headerLength()}.
 */
public final class EncodedBody {
    /** The HTTP header that gives the JSON header's length when binary data follows it. */
    public static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    /** The content type of an all-JSON body. */
    public static final String JSON = "application/json";

    /** The content type of a body with binary tensors after its JSON header. */
    public static final String OCTET_STREAM = "application/octet-stream";

    private final byte[] header;
    private final List<Segment> segments;
    private final long length;

    EncodedBody(byte[] header, List<Segment> segments) {
        this.header = header;
        this.segments = List.copyOf(segments);
        long total = header.length;
        for (Segment segment : segments) {
            total += segment.length;
        }
        this.length = total;
    }

    /** The JSON header itself, shared: not to be changed. */
    byte[] header() {
        return header;
    }

    /** The JSON header's length in bytes. */
    public int headerLength() {
        return header.length;
    }

    /** Whether binary tensor data follows the JSON header. */
    public boolean hasBinary() {
        return !segments.isEmpty();
    }

    /** {@value #OCTET_STREAM} when binary data follows the header, else {@value #JSON}. */
    public String contentType() {
        return hasBinary() ? OCTET_STREAM : JSON;
    }

    /** The whole body's length in bytes. */
    public long length() {
        return length;
    }

    /** Writes the whole body. */
    public void writeTo(OutputStream out) throws IOException {
        out.write(header);
        for (Segment segment : segments) {
            out.write(segment.buf, segment.offset, segment.length);
        }
    }

    /** The whole body in one new array (for tests and tools; sending uses {@link #writeTo}). */
    public byte[] toByteArray() {
        if (length > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("A body of " + length + " bytes does not fit an array");
        }
        byte[] all = new byte[(int) length];
        System.arraycopy(header, 0, all, 0, header.length);
        int at = header.length;
        for (Segment segment : segments) {
            System.arraycopy(segment.buf, segment.offset, all, at, segment.length);
            at += segment.length;
        }
        return all;
    }

    /** The JSON header as text, for logs and error messages. */
    public String headerText() {
        return new String(header, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A run of bytes of some buffer. */
    static final class Segment {
        final byte[] buf;
        final int offset;
        final int length;

        Segment(byte[] buf, int offset, int length) {
            this.buf = buf;
            this.offset = offset;
            this.length = length;
        }
    }
}

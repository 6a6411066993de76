package org.flinktriton.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.flinktriton.annotations.TritonDataType;

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

    /** The request's inputs as tensors, for transports that send them apart; empty otherwise. */
    private final List<Input> inputs;

    private final String id;
    private final Map<String, ?> parameters;
    private final List<String> outputs;

    EncodedBody(byte[] header, List<Segment> segments) {
        this(header, segments, List.of(), null, Map.of(), List.of());
    }

    private EncodedBody(
            byte[] header,
            List<Segment> segments,
            List<Input> inputs,
            String id,
            Map<String, ?> parameters,
            List<String> outputs) {
        this.header = header;
        this.segments = List.copyOf(segments);
        long total = header.length;
        for (Segment segment : segments) {
            total += segment.length;
        }
        this.length = total;
        this.inputs = inputs;
        this.id = id;
        this.parameters = parameters;
        this.outputs = outputs;
    }

    /** This body with the request's parts apart, as {@link RequestEncoder} knows them. */
    EncodedBody withParts(
            List<Input> inputs, String id, Map<String, ?> parameters, List<String> outputs) {
        return new EncodedBody(
                header,
                segments,
                List.copyOf(inputs),
                id,
                parameters == null ? Map.of() : parameters,
                List.copyOf(outputs));
    }

    /**
     * The request's inputs in order, each with its raw bytes (the layout of the binary extension)
     * as a read-only view of the encoder's buffer: what a transport that sends tensors apart
     * (gRPC's {@code raw_input_contents}) sends, without a copy. Empty for a body not made by a
     * {@link RequestEncoder}.
     */
    public List<Input> inputs() {
        return inputs;
    }

    /** The request's {@code id}, or null. */
    public String id() {
        return id;
    }

    /** The request-level parameters (such as {@code priority}, {@code timeout}); not null. */
    public Map<String, ?> parameters() {
        return parameters;
    }

    /** The outputs asked for by name, in order; empty: all of them. */
    public List<String> outputs() {
        return outputs;
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

    /** One input of a request: its name, datatype, full shape and raw bytes. */
    public static final class Input {
        private final String name;
        private final TritonDataType datatype;
        private final long[] shape;
        private final byte[] buf;
        private final int offset;
        private final int length;

        Input(
                String name,
                TritonDataType datatype,
                long[] shape,
                byte[] buf,
                int offset,
                int length) {
            this.name = name;
            this.datatype = datatype;
            this.shape = shape;
            this.buf = buf;
            this.offset = offset;
            this.length = length;
        }

        /** The tensor's name. */
        public String name() {
            return name;
        }

        /** The tensor's datatype. */
        public TritonDataType datatype() {
            return datatype;
        }

        /** The full shape, batch dimension included when the model has one; a copy. */
        public long[] shape() {
            return shape.clone();
        }

        /** The raw bytes as a read-only view of the encoder's buffer: no copy. */
        public ByteBuffer data() {
            return ByteBuffer.wrap(buf, offset, length).slice().asReadOnlyBuffer();
        }

        /** The raw bytes' length. */
        public int byteLength() {
            return length;
        }
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

package org.flinktriton.testkit;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * Content coding: request bodies read within the server's size limit and decoded from gzip or
 * deflate (or, like KServe's Python server, refused when compressed), and the coding a response
 * takes from {@code Accept-Encoding}.
 */
final class ContentCoding {
    private final long maxRequestSize;
    private final boolean compressResponses;
    private final boolean acceptCompressedRequests;

    ContentCoding(
            long maxRequestSize, boolean compressResponses, boolean acceptCompressedRequests) {
        this.maxRequestSize = maxRequestSize;
        this.compressResponses = compressResponses;
        this.acceptCompressedRequests = acceptCompressedRequests;
    }

    // ---- request bodies -----------------------------------------------------------------------

    /** The request body, decoded as its {@code Content-Encoding} says. */
    byte[] readBody(HttpExchange exchange) throws IOException {
        Headers headers = exchange.getRequestHeaders();
        String declared = headers.getFirst("Content-Length");
        byte[] raw;
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw HttpError.badRequest("Content-Length '" + declared + "' is not a number");
            }
            if (length > maxRequestSize) {
                // The body stays unread, so the connection cannot carry another request: say so,
                // or a client may send its next request on a socket this server is closing.
                exchange.getResponseHeaders().set("Connection", "close");
                throw tooLarge(length);
            }
            // The JDK server ends the stream at Content-Length: read straight into an array of
            // that size (readNBytes(int) would gather 8 KiB chunks and copy them again).
            raw = new byte[(int) length];
            int read = exchange.getRequestBody().readNBytes(raw, 0, raw.length);
            if (read < raw.length) {
                raw = Arrays.copyOf(raw, read);
            }
        } else {
            raw = readLimited(exchange.getRequestBody());
        }
        String coding = headers.getFirst("Content-Encoding");
        if (coding == null) {
            return raw;
        }
        String name = coding.trim().toLowerCase(Locale.ROOT);
        if (name.isEmpty() || name.equals("identity")) {
            return raw;
        }
        if (!acceptCompressedRequests) {
            // KServe's Python server ignores Content-Encoding and parses the bytes as JSON.
            throw HttpError.badRequest(
                    "Unrecognized request format: str is not valid UTF-8: surrogates not allowed");
        }
        switch (name) {
            case "gzip":
            case "x-gzip":
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                    return readLimited(in);
                } catch (ZipException | EOFException e) {
                    throw HttpError.badRequest(
                            "Request body is not valid gzip data: " + e.getMessage());
                }
            case "deflate":
                return inflate(raw);
            default:
                throw HttpError.badRequest(
                        "Unsupported Content-Encoding '"
                                + coding
                                + "'; send gzip, deflate or identity");
        }
    }

    /** HTTP's "deflate" is zlib-wrapped, but some clients send raw deflate: accept both. */
    private byte[] inflate(byte[] raw) {
        try {
            return inflate(raw, false);
        } catch (DataFormatException e) {
            try {
                return inflate(raw, true);
            } catch (DataFormatException again) {
                throw HttpError.badRequest(
                        "Request body is not valid deflate data: " + e.getMessage());
            }
        }
    }

    private byte[] inflate(byte[] raw, boolean nowrap) throws DataFormatException {
        Inflater inflater = new Inflater(nowrap);
        try {
            inflater.setInput(raw);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, raw.length * 4));
            byte[] chunk = new byte[16384];
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new DataFormatException("the data ends before the deflate stream does");
                }
                out.write(chunk, 0, n);
                if (out.size() > maxRequestSize) {
                    throw tooLarge(-1);
                }
            }
            return out.toByteArray();
        } finally {
            inflater.end();
        }
    }

    private byte[] readLimited(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] chunk = new byte[16384];
        for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
            out.write(chunk, 0, n);
            if (out.size() > maxRequestSize) {
                throw tooLarge(-1);
            }
        }
        return out.toByteArray();
    }

    /** {@code length} is the declared length, or -1 when the body grew past the limit. */
    private HttpError tooLarge(long length) {
        return HttpError.badRequest(
                "Request body of "
                        + (length < 0 ? "more than " + maxRequestSize : length)
                        + " bytes exceeds this server's limit of "
                        + maxRequestSize
                        + " bytes (Triton's --http-max-input-size)");
    }

    // ---- responses ----------------------------------------------------------------------------

    /** The content coding to answer with, from {@code Accept-Encoding}; null for none. */
    String responseCoding(Headers requestHeaders) {
        if (!compressResponses) {
            return null;
        }
        boolean gzip = false;
        boolean deflate = false;
        List<String> values = requestHeaders.get("Accept-Encoding");
        if (values == null) {
            return null;
        }
        for (String value : values) {
            for (String item : value.split(",")) {
                String[] parts = item.trim().split(";");
                String coding = parts[0].trim().toLowerCase(Locale.ROOT);
                boolean refused = false;
                for (int i = 1; i < parts.length; i++) {
                    String parameter = parts[i].trim().replace(" ", "");
                    refused |= parameter.matches("q=0(\\.0*)?");
                }
                if (!refused) {
                    gzip |= coding.equals("gzip") || coding.equals("x-gzip") || coding.equals("*");
                    deflate |= coding.equals("deflate");
                }
            }
        }
        return gzip ? "gzip" : deflate ? "deflate" : null;
    }

    /** {@code bytes} in {@code coding}, a value {@link #responseCoding} returned. */
    static byte[] compress(byte[] bytes, String coding) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 2 + 64);
        if (coding.equals("gzip")) {
            try (GZIPOutputStream gzip =
                    new GZIPOutputStream(out, 8192) {
                        {
                            def.setLevel(Deflater.BEST_SPEED);
                        }
                    }) {
                gzip.write(bytes);
            }
        } else {
            Deflater deflater = new Deflater(Deflater.BEST_SPEED);
            try (DeflaterOutputStream zlib = new DeflaterOutputStream(out, deflater)) {
                zlib.write(bytes);
            } finally {
                deflater.end();
            }
        }
        return out.toByteArray();
    }
}

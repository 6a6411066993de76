package org.flinktriton.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import org.flinktriton.wire.EncodedBody;
import org.flinktriton.wire.InferRequestMessage;
import org.flinktriton.wire.Tensor;

/**
 * A deliberately plain KServe v2 client for the tests, on the JDK's HttpClient: it builds request
 * bodies by hand (so that it can also build broken ones) and reads responses back into tensors.
 */
final class V2Http {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final HttpClient CLIENT =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();

    private V2Http() {}

    static Response get(String url, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET(), headers);
    }

    static Response post(String url, byte[] body, String... headers) {
        return send(
                HttpRequest.newBuilder(URI.create(url))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)),
                headers);
    }

    static Response postJson(String url, String json, String... headers) {
        String[] all = Arrays.copyOf(headers, headers.length + 2);
        all[headers.length] = "Content-Type";
        all[headers.length + 1] = EncodedBody.JSON;
        return post(url, json.getBytes(UTF_8), all);
    }

    /** Sends an infer request; {@code Inference-Header-Content-Length} when binary follows. */
    static Response infer(String url, Body body, String... headers) {
        if (body.headerLength < 0) {
            return postJson(url, body.text(), headers);
        }
        String[] all = Arrays.copyOf(headers, headers.length + 4);
        all[headers.length] = EncodedBody.HEADER_LENGTH;
        all[headers.length + 1] = Integer.toString(body.headerLength);
        all[headers.length + 2] = "Content-Type";
        all[headers.length + 3] = EncodedBody.OCTET_STREAM;
        return post(url, body.bytes, all);
    }

    static Response send(HttpRequest.Builder request, String... headers) {
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<byte[]> response =
                    CLIENT.send(
                            request.timeout(Duration.ofSeconds(20)).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- request bodies ----------------------------------------------------------------------

    /** A request body and its header length (-1 for all-JSON). */
    static final class Body {
        final byte[] bytes;
        final int headerLength;

        Body(byte[] bytes, int headerLength) {
            this.bytes = bytes;
            this.headerLength = headerLength;
        }

        String text() {
            return new String(bytes, UTF_8);
        }
    }

    /** Starts a request; inputs JSON or binary, outputs asked for or not. */
    static RequestBuilder request() {
        return new RequestBuilder();
    }

    static final class RequestBuilder {
        private final ObjectNode header = MAPPER.createObjectNode();
        private final ArrayNode inputs = header.putArray("inputs");
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        RequestBuilder id(String id) {
            header.put("id", id);
            return this;
        }

        RequestBuilder binaryDataOutput(boolean binary) {
            header.putObject("parameters").put("binary_data_output", binary);
            return this;
        }

        RequestBuilder json(Tensor tensor) {
            ObjectNode input = describe(tensor);
            input.set("data", data(tensor));
            return this;
        }

        RequestBuilder binary(Tensor tensor) {
            ObjectNode input = describe(tensor);
            input.putObject("parameters").put("binary_data_size", tensor.byteLength());
            binary.writeBytes(tensor.rawBytes());
            return this;
        }

        RequestBuilder output(String name) {
            outputs().addObject().put("name", name);
            return this;
        }

        RequestBuilder output(String name, boolean binaryData) {
            outputs()
                    .addObject()
                    .put("name", name)
                    .putObject("parameters")
                    .put("binary_data", binaryData);
            return this;
        }

        private ArrayNode outputs() {
            return header.has("outputs")
                    ? (ArrayNode) header.get("outputs")
                    : header.putArray("outputs");
        }

        private ObjectNode describe(Tensor tensor) {
            ObjectNode input = inputs.addObject();
            input.put("name", tensor.name());
            input.put("datatype", tensor.datatype().name());
            ArrayNode shape = input.putArray("shape");
            for (long dim : tensor.shape()) {
                shape.add(dim);
            }
            return input;
        }

        Body build() {
            byte[] json = bytes(header);
            if (binary.size() == 0) {
                return new Body(json, -1);
            }
            byte[] all = Arrays.copyOf(json, json.length + binary.size());
            System.arraycopy(binary.toByteArray(), 0, all, json.length, binary.size());
            return new Body(all, json.length);
        }
    }

    /** A tensor's elements as a flat JSON array, written independently of the wire layer. */
    static ArrayNode data(Tensor tensor) {
        ArrayNode data = MAPPER.createArrayNode();
        switch (tensor.datatype()) {
            case BOOL:
                for (boolean value : tensor.toBools()) {
                    data.add(value);
                }
                break;
            case INT8:
                for (byte value : tensor.toInt8s()) {
                    data.add(value);
                }
                break;
            case UINT8:
                for (byte value : tensor.toInt8s()) {
                    data.add(value & 0xff);
                }
                break;
            case INT16:
                for (short value : tensor.toInt16s()) {
                    data.add(value);
                }
                break;
            case UINT16:
                for (short value : tensor.toInt16s()) {
                    data.add(value & 0xffff);
                }
                break;
            case INT32:
                for (int value : tensor.toInt32s()) {
                    data.add(value);
                }
                break;
            case UINT32:
                for (int value : tensor.toInt32s()) {
                    data.add(Integer.toUnsignedLong(value));
                }
                break;
            case INT64:
                for (long value : tensor.toInt64s()) {
                    data.add(value);
                }
                break;
            case UINT64:
                for (long value : tensor.toInt64s()) {
                    data.add(new BigInteger(Long.toUnsignedString(value)));
                }
                break;
            case FP16:
            case BF16:
            case FP32:
                for (float value : tensor.toFloats()) {
                    data.add(value);
                }
                break;
            case FP64:
                for (double value : tensor.toDoubles()) {
                    data.add(value);
                }
                break;
            case BYTES:
                for (String value : tensor.toStrings()) {
                    data.add(value);
                }
                break;
            default:
                throw new IllegalArgumentException(tensor.toString());
        }
        return data;
    }

    static byte[] bytes(JsonNode json) {
        try {
            return MAPPER.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- responses ---------------------------------------------------------------------------

    static final class Response {
        final int status;
        final HttpHeaders headers;
        final byte[] body;

        Response(int status, HttpHeaders headers, byte[] body) {
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        /** The body, decompressed when the server compressed it. */
        byte[] plainBody() {
            String coding = header("Content-Encoding");
            if (coding == null) {
                return body;
            }
            try (InputStream in =
                    coding.equals("gzip")
                            ? new GZIPInputStream(new ByteArrayInputStream(body))
                            : new InflaterInputStream(new ByteArrayInputStream(body))) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The JSON header: the whole body, or its first Inference-Header-Content-Length bytes. */
        JsonNode json() {
            byte[] plain = plainBody();
            int length = headerLength() < 0 ? plain.length : headerLength();
            try {
                return MAPPER.readTree(plain, 0, length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String error() {
            return json().path("error").asText(null);
        }

        int headerLength() {
            String value = header(EncodedBody.HEADER_LENGTH);
            return value == null ? -1 : Integer.parseInt(value);
        }

        /**
         * The response's outputs, JSON and binary alike, read with the wire layer's request parser
         * (the two messages differ only in the name of the tensor list).
         */
        Map<String, Tensor> outputs() {
            byte[] plain = plainBody();
            int headerLength = headerLength();
            ObjectNode header = (ObjectNode) json();
            header.set("inputs", header.remove("outputs"));
            byte[] json = bytes(header);
            int rest = headerLength < 0 ? 0 : plain.length - headerLength;
            byte[] all = Arrays.copyOf(json, json.length + rest);
            System.arraycopy(plain, plain.length - rest, all, json.length, rest);
            List<Tensor> tensors =
                    InferRequestMessage.parse(all, headerLength < 0 ? -1 : json.length).inputs();
            Map<String, Tensor> byName = new LinkedHashMap<>();
            for (Tensor tensor : tensors) {
                byName.put(tensor.name(), tensor);
            }
            return byName;
        }

        @Override
        public String toString() {
            return status + " " + new String(plainBody(), UTF_8);
        }
    }
}

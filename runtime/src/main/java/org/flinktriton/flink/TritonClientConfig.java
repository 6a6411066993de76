package org.flinktriton.flink;

import java.io.IOException;
import java.io.Serializable;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.flinktriton.client.TritonModelClient;

/**
 * Everything a {@link TritonInferenceFunction} needs to build its {@link TritonModelClient} in the
 * task: plain serializable values, since the client itself (threads, connections) cannot travel in
 * the job graph. Immutable once built.
 *
 * <p>Header values are secrets more often than not (API keys, bearer tokens): they are kept for the
 * client only and appear in no {@code toString}, message or log.
 */
final class TritonClientConfig implements Serializable {

    private static final long serialVersionUID = 1L;

    final String endpoint;
    final String model;

    /** Null when the server should pick the version. */
    final String modelVersion;

    private final ArrayList<String> headerNames;
    private final ArrayList<String> headerValues;

    /** Empty for the JVM's default trust. */
    private final ArrayList<Certificate> trustedCertificates;

    /** Null for the client's default. */
    final Duration connectTimeout;

    final Duration requestTimeout;
    final Duration closeTimeout;

    /** 0 for the client's default. */
    final int maxConcurrentRequests;

    final boolean binaryData;
    final boolean compressRequests;

    /** 0 for the client's default. */
    final long maxResponseBytes;

    /** Null: not sent. */
    final Integer priority;

    /** Null: not sent. */
    final Duration serverTimeout;

    /** The most records per HTTP request; 0 lets the client take the model's max_batch_size. */
    final int requestBatchSize;

    TritonClientConfig(
            String endpoint,
            String model,
            String modelVersion,
            List<String> headerNames,
            List<String> headerValues,
            List<Certificate> trustedCertificates,
            Duration connectTimeout,
            Duration requestTimeout,
            Duration closeTimeout,
            int maxConcurrentRequests,
            boolean binaryData,
            boolean compressRequests,
            long maxResponseBytes,
            Integer priority,
            Duration serverTimeout,
            int requestBatchSize) {
        this.endpoint = endpoint;
        this.model = model;
        this.modelVersion = modelVersion;
        this.headerNames = new ArrayList<>(headerNames);
        this.headerValues = new ArrayList<>(headerValues);
        this.trustedCertificates = new ArrayList<>(trustedCertificates);
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
        this.closeTimeout = closeTimeout;
        this.maxConcurrentRequests = maxConcurrentRequests;
        this.binaryData = binaryData;
        this.compressRequests = compressRequests;
        this.maxResponseBytes = maxResponseBytes;
        this.priority = priority;
        this.serverTimeout = serverTimeout;
        this.requestBatchSize = requestBatchSize;
    }

    /**
     * A client builder with every setting applied. Each setter validates its value, so calling this
     * at graph-build time reports a bad endpoint or header before the job is submitted.
     */
    TritonModelClient.Builder clientBuilder() {
        TritonModelClient.Builder builder =
                TritonModelClient.builder()
                        .endpoint(endpoint)
                        .model(model)
                        .modelVersion(modelVersion)
                        .binaryData(binaryData)
                        .compressRequests(compressRequests);
        for (int i = 0; i < headerNames.size(); i++) {
            builder.header(headerNames.get(i), headerValues.get(i));
        }
        if (!trustedCertificates.isEmpty()) {
            builder.trustStore(trustStore());
        }
        if (connectTimeout != null) {
            builder.connectTimeout(connectTimeout);
        }
        if (requestTimeout != null) {
            builder.requestTimeout(requestTimeout);
        }
        if (closeTimeout != null) {
            builder.closeTimeout(closeTimeout);
        }
        if (maxConcurrentRequests > 0) {
            builder.maxConcurrentRequests(maxConcurrentRequests);
        }
        if (maxResponseBytes != 0) {
            builder.maxResponseBytes(maxResponseBytes);
        }
        if (priority != null) {
            builder.priority(priority);
        }
        if (serverTimeout != null) {
            builder.serverTimeout(serverTimeout);
        }
        if (requestBatchSize > 0) {
            builder.maxBatchSize(requestBatchSize);
        }
        return builder;
    }

    private KeyStore trustStore() {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < trustedCertificates.size(); i++) {
                store.setCertificateEntry("trusted-" + i, trustedCertificates.get(i));
            }
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(
                    "Cannot build the trust store for " + endpoint + ": " + e, e);
        }
    }

    Optional<String> modelVersion() {
        return Optional.ofNullable(modelVersion);
    }

    /** The names of the extra headers, never their values. */
    List<String> headerNames() {
        return List.copyOf(headerNames);
    }

    /** For example {@code add_sub} or {@code add_sub version 2}. */
    String modelText() {
        return modelVersion == null ? "'" + model + "'" : "'" + model + "' version " + modelVersion;
    }

    @Override
    public String toString() {
        StringBuilder text =
                new StringBuilder("model ").append(modelText()).append(" at ").append(endpoint);
        if (!headerNames.isEmpty()) {
            // Names only: the values are credentials more often than not.
            text.append(", headers ");
            for (int i = 0; i < headerNames.size(); i++) {
                text.append(i == 0 ? "" : ", ").append(headerNames.get(i)).append(": <hidden>");
            }
        }
        if (!trustedCertificates.isEmpty()) {
            text.append(", trusting ").append(trustedCertificates.size()).append(" certificate(s)");
        }
        if (requestTimeout != null) {
            text.append(", requestTimeout ").append(millis(requestTimeout));
        }
        if (maxConcurrentRequests > 0) {
            text.append(", maxConcurrentRequests ").append(maxConcurrentRequests);
        }
        if (!binaryData) {
            text.append(", JSON tensors");
        }
        return text.toString();
    }

    static String millis(Duration duration) {
        return String.format(Locale.ROOT, "%d ms", duration.toMillis());
    }
}

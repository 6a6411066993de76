package org.flinktriton.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The test certificate in {@code tls/test-server.p12} (see {@code tls/README.txt}): a server {@link
 * SSLContext} for {@link TritonTestServer.Builder#https}, and a trust store that holds only that
 * certificate, for the clients.
 */
public final class TestCertificates {
    private static final String KEYSTORE = "/tls/test-server.p12";
    private static final char[] PASSWORD = "changeit".toCharArray();
    private static final String ALIAS = "triton-test";

    private TestCertificates() {}

    /** The server side: the test key and its certificate, valid for IP 127.0.0.1. */
    public static SSLContext serverContext() {
        try {
            KeyManagerFactory keys =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(keyStore(), PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new trust store holding only the test certificate. */
    public static KeyStore trustStore() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry(ALIAS, keyStore().getCertificate(ALIAS));
            return trust;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KeyStore keyStore() throws GeneralSecurityException {
        try (InputStream in = TestCertificates.class.getResourceAsStream(KEYSTORE)) {
            if (in == null) {
                throw new IllegalStateException(KEYSTORE + " is not on the test class path");
            }
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, PASSWORD);
            return keyStore;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

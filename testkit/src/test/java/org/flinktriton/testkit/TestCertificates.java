package org.flinktriton.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The test certificate in {@code tls/test-server.p12} (see {@code tls/README.txt}): a server {@link
 * SSLContext} for {@link TritonTestServer.Builder#https}, and a trust store that holds only that
 * certificate, for the clients.
 */
public final class TestCertificates {
    private static final String KEYSTORE = "/tls/test-server.p12";
    private static final char[] PASSWORD = "changeit".toCharArray();
    private static final String ALIAS = "triton-test";
    private static final String CLIENT_KEYSTORE = "/tls/test-client.p12";
    private static final String CLIENT_ALIAS = "triton-test-client";

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

    /**
     * The server side of mutual TLS ({@link TritonTestServer.Builder#requireClientCertificates()}):
     * the test key and certificate, trusting only the test client certificate ({@code
     * tls/test-client.p12}) from clients.
     */
    public static SSLContext mutualServerContext() {
        try {
            KeyManagerFactory keys =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(keyStore(), PASSWORD);
            KeyStore clients = KeyStore.getInstance("PKCS12");
            clients.load(null, null);
            clients.setCertificateEntry(
                    CLIENT_ALIAS, load(CLIENT_KEYSTORE).getCertificate(CLIENT_ALIAS));
            TrustManagerFactory trust =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(clients);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The test client's key and certificate ({@code tls/test-client.p12}, alias {@value
     * #CLIENT_ALIAS}), as a PKCS12 key store with the password {@link #password()}.
     */
    public static KeyStore clientKeyStore() {
        try {
            return load(CLIENT_KEYSTORE);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The password of the test key stores and their keys. */
    public static char[] password() {
        return PASSWORD.clone();
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

    /** A trust manager that trusts only the test certificate. */
    public static X509TrustManager trustManager() {
        try {
            TrustManagerFactory trust =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustStore());
            return (X509TrustManager) trust.getTrustManagers()[0];
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client {@link SSLContext} that trusts {@code trustManager}. */
    public static SSLContext clientContext(X509TrustManager trustManager) {
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {trustManager}, null);
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyStore keyStore() throws GeneralSecurityException {
        return load(KEYSTORE);
    }

    private static KeyStore load(String resource) throws GeneralSecurityException {
        try (InputStream in = TestCertificates.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test class path");
            }
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, PASSWORD);
            return keyStore;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package org.flinktriton.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS material of a client, in one place: it is read from PEM files and key stores where the
 * options are built, travels with {@link TritonClientOptions} as plain certificates (so that no
 * file need exist where the job runs), and becomes the JSSE objects a transport needs where the
 * client is built: the certificates a TLS endpoint is trusted by (none: the JVM's default trust),
 * and the client's own certificate chain and private key for mutual TLS, which every transport
 * (HTTP and gRPC) presents the same way.
 *
 * <p>Immutable and {@link Serializable}; certificates are public, so {@link #toString()} may count
 * them; the private key is never shown.
 */
final class TlsMaterial implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final TlsMaterial JVM_DEFAULT = new TlsMaterial(List.of(), List.of(), null);

    /** Empty for the JVM's default trust. */
    private final List<Certificate> trustedCertificates;

    /** The client's certificate chain for mutual TLS, its own first; empty without one. */
    private final List<Certificate> clientChain;

    /** The private key of {@link #clientChain}; null without one. */
    private final PrivateKey clientKey;

    private TlsMaterial(
            List<Certificate> trustedCertificates,
            List<Certificate> clientChain,
            PrivateKey clientKey) {
        this.trustedCertificates = trustedCertificates;
        this.clientChain = clientChain;
        this.clientKey = clientKey;
    }

    /** The JVM's default trust (which honours {@code -Djavax.net.ssl.trustStore}). */
    static TlsMaterial jvmDefault() {
        return JVM_DEFAULT;
    }

    /** This material trusting exactly {@code certificates}; none restores the JVM's default. */
    TlsMaterial trusting(Collection<? extends Certificate> certificates) {
        Objects.requireNonNull(certificates, "certificates");
        List<Certificate> copy = new ArrayList<>(certificates);
        copy.forEach(certificate -> Objects.requireNonNull(certificate, "certificate"));
        return copy.isEmpty() && clientKey == null
                ? JVM_DEFAULT
                : new TlsMaterial(List.copyOf(copy), clientChain, clientKey);
    }

    /** This material presenting {@code chain} with {@code key} for mutual TLS. */
    TlsMaterial presenting(List<Certificate> chain, PrivateKey key) {
        Objects.requireNonNull(key, "key");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a client certificate chain needs a certificate");
        }
        return new TlsMaterial(trustedCertificates, List.copyOf(chain), key);
    }

    /**
     * The private key of a PEM file in PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}, unencrypted),
     * RSA or EC, read now.
     *
     * @throws IllegalArgumentException naming the file and how to convert it when it holds no such
     *     key
     */
    static PrivateKey privateKeyInPem(Path pemFile) {
        Objects.requireNonNull(pemFile, "privateKeyPem");
        String text;
        try {
            text = Files.readString(pemFile, java.nio.charset.StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Cannot read " + pemFile + ": " + e, e);
        }
        String begin = "-----BEGIN PRIVATE KEY-----";
        int from = text.indexOf(begin);
        int to = text.indexOf("-----END PRIVATE KEY-----");
        if (from < 0 || to < from) {
            throw new IllegalArgumentException(
                    pemFile
                            + " holds no unencrypted PKCS#8 private key (-----BEGIN PRIVATE"
                            + " KEY-----); convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY"
                            + " -out key.pem");
        }
        byte[] der;
        try {
            der =
                    java.util.Base64.getMimeDecoder()
                            .decode(text.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(pemFile + ": the private key is not base64", e);
        }
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "EdDSA"}) {
            try {
                return java.security.KeyFactory.getInstance(algorithm)
                        .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // the next algorithm, then
            }
        }
        throw new IllegalArgumentException(
                pemFile + ": the private key is not an RSA, EC or EdDSA key this JVM reads");
    }

    /** The client's certificate chain for mutual TLS; empty without one. */
    List<Certificate> clientCertificateChain() {
        return clientChain;
    }

    /** The client's private key for mutual TLS; null without one. */
    PrivateKey clientKey() {
        return clientKey;
    }

    /**
     * The certificates of {@code store}'s entries (the public part: private keys are not taken).
     *
     * @throws IllegalArgumentException when the store holds no certificate or cannot be read
     */
    static List<Certificate> certificatesIn(KeyStore store) {
        Objects.requireNonNull(store, "trustStore");
        List<Certificate> certificates = new ArrayList<>();
        try {
            for (String alias : Collections.list(store.aliases())) {
                Certificate certificate = store.getCertificate(alias);
                if (certificate != null) {
                    certificates.add(certificate);
                }
            }
        } catch (KeyStoreException e) {
            throw new IllegalArgumentException("Cannot read the trust store: " + e, e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(
                    "The trust store holds no certificate; import the server's CA certificate"
                            + " (keytool -importcert) or leave trustStore unset for the JVM's"
                            + " default trust");
        }
        return certificates;
    }

    /**
     * The certificates of a PEM file ({@code -----BEGIN CERTIFICATE-----} blocks), read now.
     *
     * @throws IllegalArgumentException when the file cannot be read or holds no certificate
     */
    static List<Certificate> certificatesInPem(Path pemFile) {
        Objects.requireNonNull(pemFile, "pemFile");
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pemFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + pemFile + ": " + e, e);
        } catch (CertificateException e) {
            certificates = List.of();
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(
                    pemFile
                            + " holds no certificate; it needs PEM blocks such as"
                            + " -----BEGIN CERTIFICATE-----");
        }
        return List.copyOf(certificates);
    }

    /** The certificates an {@code https} endpoint is trusted by; empty for the JVM's default. */
    List<Certificate> trustedCertificates() {
        return trustedCertificates;
    }

    /** Whether the JVM's defaults apply, so that a transport need not set up TLS itself. */
    boolean isJvmDefault() {
        return trustedCertificates.isEmpty() && clientKey == null;
    }

    /**
     * A trust manager that trusts exactly {@link #trustedCertificates()}, or the JVM's default
     * trust when there are none.
     */
    X509TrustManager trustManager() {
        try {
            KeyStore store = null;
            if (!trustedCertificates.isEmpty()) {
                store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                for (int i = 0; i < trustedCertificates.size(); i++) {
                    store.setCertificateEntry("trusted-" + i, trustedCertificates.get(i));
                }
            }
            TrustManagerFactory factory =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager) {
                    return (X509TrustManager) manager;
                }
            }
            throw new IllegalArgumentException(
                    "the trusted certificates yield no X509TrustManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(
                    "cannot use the trusted certificates: " + e.getMessage(), e);
        }
    }

    /**
     * A TLS context whose only trust is {@code trustManager}, presenting the client's certificate
     * when this material has one.
     */
    SSLContext sslContext(X509TrustManager trustManager) {
        try {
            javax.net.ssl.KeyManager[] keys = null;
            if (clientKey != null) {
                char[] password = new char[0];
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                store.setKeyEntry(
                        "client", clientKey, password, clientChain.toArray(new Certificate[0]));
                javax.net.ssl.KeyManagerFactory factory =
                        javax.net.ssl.KeyManagerFactory.getInstance(
                                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
                factory.init(store, password);
                keys = factory.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, new TrustManager[] {trustManager}, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof TlsMaterial)) {
            return false;
        }
        TlsMaterial that = (TlsMaterial) other;
        return trustedCertificates.equals(that.trustedCertificates)
                && clientChain.equals(that.clientChain)
                && Objects.equals(clientKey, that.clientKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(trustedCertificates, clientChain);
    }

    /** {@code the JVM's default trust} or {@code trusting 2 certificate(s)}. */
    @Override
    public String toString() {
        String trust =
                trustedCertificates.isEmpty()
                        ? "the JVM's default trust"
                        : "trusting " + trustedCertificates.size() + " certificate(s)";
        return clientKey == null ? trust : trust + ", presenting a client certificate";
    }
}

package org.flinktriton.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
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
 * client is built. Today it holds the certificates an {@code https} endpoint is trusted by (none:
 * the JVM's default trust); a client's own certificate and key for mutual TLS belong here too, so
 * that every transport gets them the same way.
 *
 * <p>Immutable and {@link Serializable}; certificates are public, so {@link #toString()} may count
 * them.
 */
final class TlsMaterial implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final TlsMaterial JVM_DEFAULT = new TlsMaterial(List.of());

    /** Empty for the JVM's default trust. */
    private final List<Certificate> trustedCertificates;

    private TlsMaterial(List<Certificate> trustedCertificates) {
        this.trustedCertificates = trustedCertificates;
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
        return copy.isEmpty() ? JVM_DEFAULT : new TlsMaterial(List.copyOf(copy));
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
        return trustedCertificates.isEmpty();
    }

    /** A trust manager that trusts exactly {@link #trustedCertificates()}. */
    X509TrustManager trustManager() {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < trustedCertificates.size(); i++) {
                store.setCertificateEntry("trusted-" + i, trustedCertificates.get(i));
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

    /** A TLS context whose only trust is {@code trustManager}. */
    static SSLContext sslContext(X509TrustManager trustManager) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustManager}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return this == other
                || (other instanceof TlsMaterial
                        && trustedCertificates.equals(((TlsMaterial) other).trustedCertificates));
    }

    @Override
    public int hashCode() {
        return trustedCertificates.hashCode();
    }

    /** {@code the JVM's default trust} or {@code trusting 2 certificate(s)}. */
    @Override
    public String toString() {
        return isJvmDefault()
                ? "the JVM's default trust"
                : "trusting " + trustedCertificates.size() + " certificate(s)";
    }
}

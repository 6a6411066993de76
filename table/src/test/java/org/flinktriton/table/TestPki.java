package org.flinktriton.table;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * One self-signed certificate for 127.0.0.1 with its key, made by the JDK's {@code keytool} in a
 * folder of the test's: as PEM files for the SQL options ({@code trust-store-pem}, {@code
 * client-certificate-pem}, {@code client-key-pem}), and as the {@link SSLContext} of a test server
 * that presents it and requires it of its clients (mutual TLS with one certificate on both sides).
 */
final class TestPki {
    private static final String ALIAS = "flink-triton-sql-test";
    private static final char[] PASSWORD = "changeit".toCharArray();

    final Path certificatePem;
    final Path keyPem;
    private final KeyStore keyStore;

    private TestPki(Path certificatePem, Path keyPem, KeyStore keyStore) {
        this.certificatePem = certificatePem;
        this.keyPem = keyPem;
        this.keyStore = keyStore;
    }

    static TestPki create(Path dir) throws Exception {
        Path p12 = dir.resolve("test.p12");
        Process keytool =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "keytool")
                                        .toString(),
                                "-genkeypair",
                                "-alias",
                                ALIAS,
                                "-keyalg",
                                "EC",
                                "-groupname",
                                "secp256r1",
                                "-dname",
                                "CN=127.0.0.1",
                                "-ext",
                                "SAN=IP:127.0.0.1",
                                "-validity",
                                "2",
                                "-storetype",
                                "PKCS12",
                                "-keystore",
                                p12.toString(),
                                "-storepass",
                                new String(PASSWORD))
                        .redirectErrorStream(true)
                        .start();
        String output = new String(keytool.getInputStream().readAllBytes(), US_ASCII);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).as("keytool: %s", output).isTrue();
        assertThat(keytool.exitValue()).as("keytool: %s", output).isZero();

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, PASSWORD);
        }
        Certificate certificate = store.getCertificate(ALIAS);
        Key key = store.getKey(ALIAS, PASSWORD);
        Path certificatePem = dir.resolve("test-cert.pem");
        Path keyPem = dir.resolve("test-key.pem");
        Files.writeString(certificatePem, pem("CERTIFICATE", certificate.getEncoded()), US_ASCII);
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()), US_ASCII);
        return new TestPki(certificatePem, keyPem, store);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN "
                + type
                + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END "
                + type
                + "-----\n";
    }

    /** The server's side: presents the certificate, and trusts only it from clients. */
    SSLContext mutualServerContext() throws Exception {
        KeyManagerFactory keys =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore, PASSWORD);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry(ALIAS, keyStore.getCertificate(ALIAS));
        TrustManagerFactory trust =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }
}

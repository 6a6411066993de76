package org.flinktriton.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/** What {@link TritonModelClient.Builder#build()} refuses before it opens anything. */
class TritonModelClientBuilderTest {

    @Test
    void aSocketFactoryAndCertificatesToTrustTogetherAreRefused() throws Exception {
        Path pem =
                Path.of(
                        TritonModelClientBuilderTest.class
                                .getResource("/tls/test-server.pem")
                                .toURI());
        TrustManagerFactory factory =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        X509TrustManager jvmTrust = (X509TrustManager) factory.getTrustManagers()[0];
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new X509TrustManager[] {jvmTrust}, null);

        assertThatThrownBy(
                        () ->
                                TritonModelClient.builder()
                                        .endpoint("https://127.0.0.1:8443")
                                        .model("m")
                                        .trustStorePem(pem)
                                        .sslContext(context, jvmTrust)
                                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "TritonModelClient: sslSocketFactory/sslContext and"
                                + " trustStore/trustStorePem/trustedCertificates/clientCertificate"
                                + " both set the TLS of https connections; set it one way");

        try (TritonModelClient client =
                TritonModelClient.builder()
                        .endpoint("https://127.0.0.1:8443")
                        .model("m")
                        .sslContext(context, jvmTrust)
                        .build()) {
            assertThat(client.options().trustedCertificates()).isEmpty();
        }
    }
}

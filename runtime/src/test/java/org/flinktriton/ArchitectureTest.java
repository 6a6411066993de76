package org.flinktriton;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;

/**
 * Pins the layering of the runtime: a package uses those below it, never one above.
 *
 * <pre>
 *   flink            TritonInference, the batch operator
 *   client           TritonModelClient over OkHttp
 *   wire             KServe v2 documents and tensors
 *   codec            the SPI that generated codecs implement
 *   annotations      @TritonInput, @TritonOutput, TritonDataType
 *   org.flinktriton  the TritonException family
 * </pre>
 *
 * <p>Main classes only: the runtime's and those of the modules on its test class path (annotations,
 * processor). The rules run in {@code @ArchTest} methods, not fields, which Surefire 3.5.3 skips.
 */
@AnalyzeClasses(packages = "org.flinktriton", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static void eachLayerUsesOnlyThoseBelow(JavaClasses classes) {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("flink")
                .definedBy("org.flinktriton.flink..")
                .layer("client")
                .definedBy("org.flinktriton.client..")
                .layer("wire")
                .definedBy("org.flinktriton.wire..")
                .layer("codec")
                .definedBy("org.flinktriton.codec..")
                .layer("annotations")
                .definedBy("org.flinktriton.annotations..")
                .layer("exceptions")
                .definedBy("org.flinktriton")
                .whereLayer("flink")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("client")
                .mayOnlyBeAccessedByLayers("flink")
                .whereLayer("wire")
                .mayOnlyBeAccessedByLayers("client", "flink")
                .whereLayer("codec")
                .mayOnlyBeAccessedByLayers("wire", "client", "flink")
                .whereLayer("annotations")
                .mayOnlyBeAccessedByLayers("codec", "wire", "client", "flink")
                .check(classes);
    }

    /** Generated codecs land in users' jars: what they build on needs nothing but the JDK. */
    @ArchTest
    static void codecAndExceptionsNeedOnlyTheJdk(JavaClasses classes) {
        classes()
                .that()
                .resideInAnyPackage("org.flinktriton", "org.flinktriton.codec..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage(
                        "java..",
                        "org.flinktriton",
                        "org.flinktriton.annotations..",
                        "org.flinktriton.codec..")
                .check(classes);
    }

    @ArchTest
    static void onlyTheClientUsesOkHttp(JavaClasses classes) {
        noClasses()
                .that()
                .resideOutsideOfPackage("org.flinktriton.client..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("okhttp3..", "okio..")
                .check(classes);
    }

    /**
     * Trust (and, with mutual TLS, key) material is read from PEM files and key stores, and turned
     * into JSSE objects, in one class: {@code client.TlsMaterial}.
     */
    @ArchTest
    static void onlyTlsMaterialLoadsTlsMaterial(JavaClasses classes) {
        noClasses()
                .that()
                .doNotHaveFullyQualifiedName("org.flinktriton.client.TlsMaterial")
                .should()
                .dependOnClassesThat()
                .haveFullyQualifiedName("java.security.cert.CertificateFactory")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("javax.net.ssl.TrustManagerFactory")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("javax.net.ssl.KeyManagerFactory")
                .orShould()
                .callMethod(KeyStore.class, "getInstance", String.class)
                .orShould()
                .callMethod(SSLContext.class, "getInstance", String.class)
                .check(classes);
    }

    @ArchTest
    static void onlyTheProcessorUsesJavaPoet(JavaClasses classes) {
        noClasses()
                .that()
                .resideOutsideOfPackage("org.flinktriton.processor..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("com.palantir.javapoet..")
                .check(classes);
    }
}

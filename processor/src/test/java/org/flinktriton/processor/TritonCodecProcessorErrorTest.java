package org.flinktriton.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.Compiler;
import com.google.testing.compile.JavaFileObjects;
import java.util.ArrayList;
import java.util.List;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * One small source per rule the processor enforces: each must fail to compile with the rule's
 * message on the offending line, and nothing may be generated for the class.
 */
class TritonCodecProcessorErrorTest {
    private FilerSpy spy;

    // ---- datatypes and Java types ------------------------------------------------------

    @Test
    void datatypeIncompatibleWithJavaType() {
        JavaFileObject source =
                source(
                        "Review",
                        "public class Review {",
                        "    @TritonInput(name = \"TEXT\", datatype = TritonDataType.FP32)",
                        "    public String text;",
                        "}");
        assertError(
                source,
                "@TritonInput 'TEXT' on Review.text: datatype FP32 cannot hold a String; use BYTES"
                        + " or change the field to float/float[] [flink-triton:datatype-mismatch]",
                "datatype = TritonDataType.FP32");
    }

    @Test
    void datatypeIncompatibleWithPrimitiveArray() {
        JavaFileObject source =
                source(
                        "Scores",
                        "public class Scores {",
                        "    @TritonOutput(name = \"OUT\", datatype = TritonDataType.INT64, shape = {4})",
                        "    public float[] out;",
                        "}");
        assertError(
                source,
                "@TritonOutput 'OUT' on Scores.out: datatype INT64 cannot hold a float[]; use FP32,"
                        + " FP16 or BF16 or change the field to long/long[]",
                "datatype = TritonDataType.INT64");
    }

    @Test
    void byteArrayWithoutDatatypeIsAmbiguous() {
        JavaFileObject source =
                source(
                        "Image",
                        "public class Image {",
                        "    @TritonInput(name = \"PIXELS\", shape = {16})",
                        "    public byte[] pixels;",
                        "}");
        assertError(
                source,
                "@TritonInput 'PIXELS' on Image.pixels: a byte[] without a datatype is ambiguous;"
                        + " set datatype = BYTES for one byte string, or INT8/UINT8 for a tensor of"
                        + " bytes [flink-triton:byte-array-ambiguous]",
                "@TritonInput(name = \"PIXELS\"");
    }

    @Test
    void byteArrayCannotBeFloat() {
        JavaFileObject source =
                source(
                        "Image",
                        "public class Image {",
                        "    @TritonInput(name = \"PIXELS\", datatype = TritonDataType.FP16)",
                        "    public byte[] pixels;",
                        "}");
        assertError(
                source,
                "datatype FP16 cannot hold a byte[]; use INT8, UINT8 or BYTES",
                "TritonDataType.FP16");
    }

    @Test
    void unsupportedTypeMap() {
        JavaFileObject source =
                source(
                        "Features",
                        "import java.util.Map;",
                        "public class Features {",
                        "    @TritonInput(name = \"F\")",
                        "    public Map<String, Float> features;",
                        "}");
        assertError(
                source,
                "@TritonInput 'F' on Features.features: Map<String, Float> is not a tensor type; use"
                        + " a primitive, String, byte[], an array of them or a List of boxed values"
                        + " or Strings (see the type table in the README)"
                        + " [flink-triton:unsupported-type]",
                "@TritonInput(name = \"F\")");
    }

    @Test
    void unsupportedTypeObject() {
        JavaFileObject source =
                source(
                        "Anything",
                        "public class Anything {",
                        "    @TritonInput(name = \"X\")",
                        "    public Object value;",
                        "}");
        assertError(source, "Object is not a tensor type", "@TritonInput(name = \"X\")");
    }

    @Test
    void unsupportedTypeBoxedArray() {
        JavaFileObject source =
                source(
                        "Boxed",
                        "public class Boxed {",
                        "    @TritonInput(name = \"X\")",
                        "    public Float[] values;",
                        "}");
        assertError(
                source,
                "Float[] is not a tensor type; use float[], primitive arrays are the supported",
                "@TritonInput(name = \"X\")");
    }

    @Test
    void unsupportedTypeChar() {
        JavaFileObject source =
                source(
                        "Letter",
                        "public class Letter {",
                        "    @TritonInput(name = \"C\")",
                        "    public char c;",
                        "}");
        assertError(
                source,
                "char is not a tensor type; use a String, or short/int",
                "@TritonInput(name = \"C\")");
    }

    @Test
    void unsupportedTypeListOfLists() {
        JavaFileObject source =
                source(
                        "Nested",
                        "import java.util.List;",
                        "public class Nested {",
                        "    @TritonInput(name = \"N\")",
                        "    public List<List<Float>> nested;",
                        "}");
        assertError(
                source,
                "List<List<Float>> is not a tensor type; a List must hold boxed primitives or"
                        + " Strings",
                "@TritonInput(name = \"N\")");
    }

    // ---- shapes ------------------------------------------------------------------------

    @Test
    void arrayRankDiffersFromShapeRank() {
        JavaFileObject source =
                source(
                        "Matrix",
                        "public class Matrix {",
                        "    @TritonInput(name = \"M\", shape = {4, 4, 4})",
                        "    public float[][] m;",
                        "}");
        assertError(
                source,
                "@TritonInput 'M' on Matrix.m: shape {4, 4, 4} has 3 dimension(s), but float[][] has"
                        + " 2; give the shape 2 dimension(s), or use a flat one-dimensional array,"
                        + " which may carry any shape [flink-triton:rank-mismatch]",
                "shape = {4, 4, 4}");
    }

    @Test
    void zeroDimension() {
        JavaFileObject source =
                source(
                        "Zero",
                        "public class Zero {",
                        "    @TritonInput(name = \"Z\",",
                        "            shape = {4, 0})",
                        "    public float[][] z;",
                        "}");
        assertError(
                source,
                "@TritonInput 'Z' on Zero.z: dimension 1 of shape {4, 0} must be positive or -1"
                        + " (variable); fix the shape [flink-triton:bad-dimension]",
                "shape = {4, 0}");
    }

    @Test
    void dimensionBelowMinusOne() {
        JavaFileObject source =
                source(
                        "Negative",
                        "public class Negative {",
                        "    @TritonOutput(name = \"N\",",
                        "            shape = {-2})",
                        "    public float[] n;",
                        "}");
        assertError(
                source,
                "dimension 0 of shape {-2} must be positive or -1 (variable)",
                "shape = {-2}");
    }

    @Test
    void scalarWithMoreThanOneElement() {
        JavaFileObject source =
                source(
                        "Scalar",
                        "public class Scalar {",
                        "    @TritonInput(name = \"S\",",
                        "            shape = {4})",
                        "    public float s;",
                        "}");
        assertError(
                source,
                "@TritonInput 'S' on Scalar.s: shape {4} does not hold exactly one element, but a"
                        + " float holds one; use shape {1} (or leave the shape out), or make the"
                        + " field an array [flink-triton:scalar-shape]",
                "shape = {4}");
    }

    @Test
    void scalarWithVariableDimension() {
        JavaFileObject source =
                source(
                        "Text",
                        "public class Text {",
                        "    @TritonInput(name = \"T\", shape = {-1})",
                        "    public String t;",
                        "}");
        assertError(
                source,
                "shape {-1} does not hold exactly one element, but a String",
                "shape = {-1}");
    }

    @Test
    void flatArrayWithTwoVariableDimensions() {
        JavaFileObject source =
                source(
                        "Flat",
                        "public class Flat {",
                        "    @TritonInput(name = \"F\", shape = {-1, -1})",
                        "    public float[] f;",
                        "}");
        assertError(
                source,
                "@TritonInput 'F' on Flat.f: shape {-1, -1} has more than one variable dimension, so"
                        + " a flat float[] cannot be split into it; fix all dimensions but one, or"
                        + " use a 2-dimensional array",
                "shape = {-1, -1}");
    }

    // ---- names -------------------------------------------------------------------------

    @Test
    void duplicateInputNames() {
        JavaFileObject source =
                source(
                        "Pair",
                        "public class Pair {",
                        "    @TritonInput(name = \"X\") public float a;",
                        "    @TritonInput(name = \"X\") public float b;",
                        "}");
        assertError(
                source,
                "@TritonInput 'X' on Pair.b: the tensor name is already used by Pair.a; the inputs"
                        + " of a class need distinct names, so rename one of them"
                        + " [flink-triton:duplicate-name]",
                "public float b;");
    }

    @Test
    void duplicateOutputNames() {
        JavaFileObject source =
                source(
                        "Result",
                        "public record Result(",
                        "    @TritonOutput(name = \"Y\") float a,",
                        "    @TritonOutput(name = \"Y\") float b) {}");
        assertError(
                source,
                "@TritonOutput 'Y' on Result.b: the tensor name is already used by Result.a; the"
                        + " outputs of a class need distinct names",
                "float b)");
    }

    @Test
    void inputAndOutputMayShareAName() {
        JavaFileObject source =
                source(
                        "Echo",
                        "public class Echo {",
                        "    @TritonInput(name = \"X\") public float in;",
                        "    @TritonOutput(name = \"X\") public Object out;",
                        "}");
        Compilation compilation = compile(source);
        // The only error is the unsupported output type: the shared name is fine.
        assertThat(errors(compilation)).hasSize(1);
        assertThat(compilation).hadErrorContaining("Object is not a tensor type");
    }

    @Test
    void blankName() {
        JavaFileObject source =
                source(
                        "Blank",
                        "public class Blank {",
                        "    @TritonInput(name = \" \")",
                        "    public float x;",
                        "}");
        assertError(
                source,
                "@TritonInput on Blank.x: the tensor name is blank; set name to the tensor's name as"
                        + " the model declares it [flink-triton:blank-name]",
                "name = \" \"");
    }

    // ---- members -----------------------------------------------------------------------

    @Test
    void staticField() {
        JavaFileObject source =
                source(
                        "Constant",
                        "public class Constant {",
                        "    @TritonInput(name = \"C\")",
                        "    public static float c;",
                        "}");
        assertError(
                source,
                "@TritonInput 'C' on Constant.c: the field is static, but a tensor belongs to each"
                        + " record; make it an instance field or remove the annotation"
                        + " [flink-triton:static-member]",
                "@TritonInput(name = \"C\")");
    }

    @Test
    void privateFieldWithoutGetter() {
        JavaFileObject source =
                source(
                        "Hidden",
                        "public class Hidden {",
                        "    @TritonInput(name = \"H\")",
                        "    private float[] hidden;",
                        "    public float[] hidden(int i) { return hidden; }",
                        "}");
        assertError(
                source,
                "@TritonInput 'H' on Hidden.hidden: the field is private and Hidden has no"
                        + " accessible getter getHidden(); make the field package-private, or add"
                        + " the getter [flink-triton:no-getter]",
                "@TritonInput(name = \"H\")");
    }

    @Test
    void privateGetterDoesNotCount() {
        JavaFileObject source =
                source(
                        "Hidden",
                        "public class Hidden {",
                        "    @TritonInput(name = \"H\")",
                        "    private float hidden;",
                        "    private float getHidden() { return hidden; }",
                        "}");
        assertError(source, "has no accessible getter getHidden()", "@TritonInput(name = \"H\")");
    }

    @Test
    void finalOutputField() {
        JavaFileObject source =
                source(
                        "Frozen",
                        "public class Frozen {",
                        "    @TritonOutput(name = \"F\")",
                        "    public final float f = 0;",
                        "}");
        assertError(
                source,
                "@TritonOutput 'F' on Frozen.f: the field is final, so the decoded output cannot be"
                        + " stored; remove final [flink-triton:final-output]",
                "@TritonOutput(name = \"F\")");
    }

    @Test
    void privateOutputWithoutSetter() {
        JavaFileObject source =
                source(
                        "ReadOnly",
                        "public class ReadOnly {",
                        "    @TritonOutput(name = \"R\")",
                        "    private float[] result;",
                        "    public float[] getResult() { return result; }",
                        "}");
        assertError(
                source,
                "@TritonOutput 'R' on ReadOnly.result: ReadOnly has no accessible setter"
                        + " setResult(float[]), so the decoded output cannot be stored; add the"
                        + " setter, or annotate a package-private field instead"
                        + " [flink-triton:no-setter]",
                "@TritonOutput(name = \"R\")");
    }

    @Test
    void outputGetterWithoutSetter() {
        JavaFileObject source =
                source(
                        "Computed",
                        "public class Computed {",
                        "    @TritonOutput(name = \"C\")",
                        "    public float getScore() { return 0; }",
                        "}");
        assertError(
                source,
                "@TritonOutput 'C' on Computed.getScore(): Computed has no accessible setter"
                        + " setScore(float)",
                "@TritonOutput(name = \"C\")");
    }

    @Test
    void annotatedMethodThatIsNoGetter() {
        JavaFileObject source =
                source(
                        "Action",
                        "public class Action {",
                        "    @TritonInput(name = \"A\")",
                        "    public void fire(float power) {}",
                        "}");
        assertError(
                source,
                "@TritonInput 'A' on Action.fire(): only a getter (an instance method named getX or"
                        + " isX with no parameters and a result) can carry a tensor annotation;"
                        + " annotate the field or its getter [flink-triton:not-a-getter]",
                "@TritonInput(name = \"A\")");
    }

    @Test
    void annotatedRecordAccessor() {
        JavaFileObject source =
                source(
                        "Point",
                        "public record Point(float x) {",
                        "    @TritonInput(name = \"X\")",
                        "    public float x() { return x; }",
                        "}");
        assertError(
                source,
                "@TritonInput 'X' on Point.x(): annotate the record component x instead of its"
                        + " accessor [flink-triton:record-accessor]",
                "@TritonInput(name = \"X\")");
    }

    // ---- classes -----------------------------------------------------------------------

    @Test
    void abstractClassWithOutputs() {
        JavaFileObject source =
                source(
                        "Shape",
                        "public abstract class Shape {",
                        "    @TritonOutput(name = \"AREA\")",
                        "    public float area;",
                        "}");
        assertError(
                source,
                "Shape: outputs cannot build an abstract class; make it concrete, or move the"
                        + " @TritonOutput members to a concrete class [flink-triton:class-abstract]",
                "public abstract class Shape");
    }

    @Test
    void classWithoutNoArgConstructor() {
        JavaFileObject source =
                source(
                        "Prediction",
                        "public class Prediction {",
                        "    @TritonOutput(name = \"P\")",
                        "    public float p;",
                        "    public Prediction(float p) { this.p = p; }",
                        "}");
        assertError(
                source,
                "Prediction: outputs need an accessible no-argument constructor that throws no"
                        + " checked exception to build the class; add one (it may be"
                        + " package-private) [flink-triton:no-constructor]",
                "public class Prediction");
    }

    @Test
    void constructorThatThrowsCheckedException() {
        JavaFileObject source =
                source(
                        "Prediction",
                        "public class Prediction {",
                        "    @TritonOutput(name = \"P\")",
                        "    public float p;",
                        "    public Prediction() throws Exception {}",
                        "}");
        assertError(
                source,
                "outputs need an accessible no-argument constructor",
                "public class Prediction");
    }

    @Test
    void nonStaticInnerClassWithOutputs() {
        JavaFileObject source =
                source(
                        "Outer",
                        "public class Outer {",
                        "    public class Inner {",
                        "        @TritonOutput(name = \"I\")",
                        "        public float i;",
                        "    }",
                        "}");
        assertError(
                source,
                "Outer.Inner: outputs cannot build an inner class without its enclosing instance;"
                        + " declare the class static [flink-triton:class-inner]",
                "public class Inner");
    }

    @Test
    void genericClass() {
        JavaFileObject source =
                source(
                        "Box",
                        "public class Box<T> {",
                        "    @TritonInput(name = \"V\")",
                        "    public float value;",
                        "    public T payload;",
                        "}");
        assertError(
                source,
                "Box: a generic class cannot have a codec, because the codec cannot know its type"
                        + " arguments; remove the type parameters, or annotate a subclass that"
                        + " fixes them [flink-triton:class-generic]",
                "public class Box<T>");
    }

    @Test
    void privateNestedClass() {
        JavaFileObject source =
                source(
                        "Outer",
                        "public class Outer {",
                        "    private static class Secret {",
                        "        @TritonInput(name = \"S\")",
                        "        public float s;",
                        "    }",
                        "}");
        assertError(
                source,
                "Outer.Secret: the class is private, so the generated codec cannot reach it; make it"
                        + " package-private or public [flink-triton:class-private]",
                "private static class Secret");
    }

    @Test
    void enumCannotCarryTensors() {
        JavaFileObject source =
                source(
                        "Mode",
                        "public enum Mode {",
                        "    A;",
                        "    @TritonInput(name = \"M\")",
                        "    public float m;",
                        "}");
        assertError(
                source,
                "Mode: only classes and records can carry tensors, not an enum",
                "public enum Mode");
    }

    // ---- @TritonModel ------------------------------------------------------------------

    @Test
    void blankModelName() {
        JavaFileObject source =
                source(
                        "Request",
                        "@TritonModel(name = \"\")",
                        "public class Request {",
                        "    @TritonInput(name = \"X\")",
                        "    public float x;",
                        "}");
        assertError(
                source,
                "@TritonModel on Request: the model name is blank; set name to the model's name in"
                        + " the server's repository [flink-triton:model-blank-name]",
                "@TritonModel(name = \"\")");
    }

    @Test
    void blankModelVersion() {
        JavaFileObject source =
                source(
                        "Request",
                        "@TritonModel(name = \"m\",",
                        "        version = \"  \")",
                        "public class Request {",
                        "    @TritonInput(name = \"X\")",
                        "    public float x;",
                        "}");
        assertError(
                source,
                "@TritonModel on Request: the version is blank; leave it out to let the server"
                        + " choose, or set one such as \"1\"",
                "version = \"  \"");
    }

    @Test
    void modelOnClassWithoutInputs() {
        JavaFileObject source =
                source(
                        "Result",
                        "@TritonModel(name = \"m\")",
                        "public class Result {",
                        "    @TritonOutput(name = \"Y\")",
                        "    public float y;",
                        "}");
        assertError(
                source,
                "@TritonModel on Result: the class has no @TritonInput, so no request is built from"
                        + " it; put @TritonModel on the class that carries the inputs",
                "@TritonModel(name = \"m\")");
    }

    // ---- the processor as a whole --------------------------------------------------------

    @Test
    void reportsEveryErrorOfAClassAndGeneratesNothing() {
        JavaFileObject source =
                source(
                        "Many",
                        "public class Many {",
                        "    @TritonInput(name = \"A\", datatype = TritonDataType.BOOL)",
                        "    public float a;",
                        "    @TritonInput(name = \"B\", shape = {0})",
                        "    public float[] b;",
                        "    @TritonInput(name = \"\")",
                        "    public static float c;",
                        "    @TritonOutput(name = \"D\")",
                        "    public final float d = 0;",
                        "    public Many(int unused) {}",
                        "}");
        Compilation compilation = compile(source);
        assertThat(compilation).failed();
        assertThat(compilation)
                .hadErrorContaining("datatype BOOL cannot hold a float")
                .inFile(source)
                .onLineContaining("TritonDataType.BOOL");
        assertThat(compilation)
                .hadErrorContaining("dimension 0 of shape {0}")
                .inFile(source)
                .onLineContaining("shape = {0}");
        assertThat(compilation)
                .hadErrorContaining("the tensor name is blank")
                .inFile(source)
                .onLineContaining("name = \"\"");
        assertThat(compilation)
                .hadErrorContaining("the field is static")
                .inFile(source)
                .onLineContaining("name = \"\"");
        assertThat(compilation)
                .hadErrorContaining("the field is final")
                .inFile(source)
                .onLineContaining("name = \"D\"");
        assertThat(compilation)
                .hadErrorContaining("outputs need an accessible no-argument constructor")
                .inFile(source)
                .onLineContaining("public class Many");
        assertThat(errors(compilation)).hasSize(6);
        assertThat(written()).isEmpty();
    }

    @Test
    void aBadClassDoesNotStopAGoodOne() {
        JavaFileObject bad =
                source(
                        "Bad",
                        "public class Bad {",
                        "    @TritonInput(name = \"B\", datatype = TritonDataType.FP32)",
                        "    public String b;",
                        "}");
        JavaFileObject good =
                source(
                        "Good",
                        "public class Good {",
                        "    @TritonInput(name = \"G\")",
                        "    public float g;",
                        "}");
        Compilation compilation = compile(bad, good);
        assertThat(compilation).hadErrorContaining("datatype FP32 cannot hold a String");
        // The good class's codec is written (it cannot compile here, where the runtime SPI is
        // missing, but that is the runtime module's test to make).
        assertThat(written()).containsExactly("test.GoodTritonCodec");
    }

    @Test
    void unresolvedTypeIsReportedInTheLastRoundOnly() {
        JavaFileObject source =
                source(
                        "Pending",
                        "public class Pending {",
                        "    @TritonInput(name = \"P\")",
                        "    public NotGeneratedYet p;",
                        "}");
        Compilation compilation = compile(source);
        assertThat(compilation).failed();
        assertThat(compilation)
                .hadErrorContaining(
                        "@TritonInput 'P' on Pending.p: type NotGeneratedYet cannot be resolved; fix"
                                + " its import, or the build step that should generate it"
                                + " [flink-triton:unresolved-type]")
                .inFile(source)
                .onLineContaining("@TritonInput(name = \"P\")");
        assertThat(written()).isEmpty();
    }

    // ---- helpers -----------------------------------------------------------------------

    private static JavaFileObject source(String simpleName, String... lines) {
        List<String> all = new ArrayList<>();
        all.add("package test;");
        all.add("import org.flinktriton.annotations.*;");
        all.addAll(List.of(lines));
        return JavaFileObjects.forSourceLines("test." + simpleName, all);
    }

    /** Compiles with the processor; {@link #written} then lists what it wrote. */
    private Compilation compile(JavaFileObject... sources) {
        spy = new FilerSpy();
        return Compiler.javac().withProcessors(spy).compile(sources);
    }

    private List<String> written() {
        return spy.written();
    }

    private void assertError(JavaFileObject source, String message, String line) {
        Compilation compilation = compile(source);
        assertThat(compilation).failed();
        assertThat(compilation).hadErrorContaining(message).inFile(source).onLineContaining(line);
        assertThat(written()).isEmpty();
    }

    private static List<Diagnostic<? extends JavaFileObject>> errors(Compilation compilation) {
        return List.copyOf(compilation.errors());
    }
}

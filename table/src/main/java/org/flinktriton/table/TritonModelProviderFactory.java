package org.flinktriton.table;

import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.api.config.ExecutionConfigOptions;
import org.apache.flink.table.api.config.MLPredictRuntimeConfigOptions;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.types.logical.RowType;

/**
 * The Flink SQL model provider {@code 'provider' = 'flink-triton'}: {@code CREATE MODEL} with its
 * options (see {@link TritonModelOptions}) and {@code ML_PREDICT} with batched, binary,
 * multi-tensor inference on a Triton Inference Server (or any KServe v2 server).
 *
 * <pre>{@code
 * CREATE MODEL add_sub
 *   INPUT (INPUT0 ARRAY<FLOAT>, INPUT1 ARRAY<FLOAT>)
 *   OUTPUT (OUTPUT0 ARRAY<FLOAT>, OUTPUT1 ARRAY<FLOAT>)
 *   WITH ('provider' = 'flink-triton',
 *         'endpoint' = 'http://triton:8000',
 *         'model-name' = 'add_sub');
 *
 * SELECT * FROM ML_PREDICT(TABLE pairs, MODEL add_sub, DESCRIPTOR(a, b));
 * }</pre>
 *
 * <p>Found through {@code META-INF/services/org.apache.flink.table.factories.Factory}; its
 * identifier differs from Flink's own Triton provider ({@code triton}), so both can share a class
 * path. Unknown option keys fail the {@code CREATE MODEL}'s first use with the list of valid ones.
 */
public final class TritonModelProviderFactory implements ModelProviderFactory {
    /** The value of {@code 'provider'}. */
    public static final String IDENTIFIER = "flink-triton";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(TritonModelOptions.ENDPOINT, TritonModelOptions.MODEL_NAME);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(
                TritonModelOptions.MODEL_VERSION,
                TritonModelOptions.TIMEOUT,
                TritonModelOptions.COMPRESSION,
                TritonModelOptions.AUTH_TOKEN,
                TritonModelOptions.CUSTOM_HEADERS,
                TritonModelOptions.PRIORITY,
                TritonModelOptions.SEQUENCE_ID,
                TritonModelOptions.SEQUENCE_START,
                TritonModelOptions.SEQUENCE_END,
                TritonModelOptions.FLATTEN_BATCH_DIM,
                TritonModelOptions.MAX_BATCH_SIZE,
                TritonModelOptions.MAX_BATCH_DELAY,
                TritonModelOptions.BINARY_DATA,
                TritonModelOptions.MAX_CONCURRENT_REQUESTS,
                TritonModelOptions.CONNECT_TIMEOUT,
                TritonModelOptions.TRUST_STORE_PEM,
                TritonModelOptions.CLIENT_CERTIFICATE_PEM,
                TritonModelOptions.CLIENT_KEY_PEM,
                TritonModelOptions.KEEP_ALIVE_INTERVAL,
                TritonModelOptions.MAX_RESPONSE_BYTES,
                TritonModelOptions.ERROR_HANDLING,
                TritonModelOptions.ERROR_STATUS_COLUMN,
                TritonModelOptions.ERROR_MESSAGE_COLUMN,
                TritonModelOptions.RESPONSE_INDEX_COLUMN,
                TritonModelOptions.INPUT_TENSOR_NAMES,
                TritonModelOptions.OUTPUT_TENSOR_NAMES,
                TritonModelOptions.MAX_RETRIES,
                TritonModelOptions.RETRY_INITIAL_BACKOFF,
                TritonModelOptions.RETRY_MAX_BACKOFF,
                TritonModelOptions.CIRCUIT_BREAKER_ENABLED,
                TritonModelOptions.CIRCUIT_BREAKER_FAILURE_THRESHOLD,
                TritonModelOptions.CIRCUIT_BREAKER_OPEN_DURATION,
                TritonModelOptions.CIRCUIT_BREAKER_HALF_OPEN_REQUESTS,
                TritonModelOptions.HEALTH_CHECK_ENABLED,
                TritonModelOptions.HEALTH_CHECK_INTERVAL,
                TritonModelOptions.DEFAULT_VALUE,
                TritonModelOptions.SEQUENCE_ID_AUTO_INCREMENT);
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper =
                FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        ModelSettings settings = ModelSettings.of(helper.getOptions());
        ResolvedCatalogModel model = context.getCatalogModel();
        RowType inputType =
                (RowType) model.getResolvedInputSchema().toPhysicalRowDataType().getLogicalType();
        RowType outputType =
                (RowType) model.getResolvedOutputSchema().toPhysicalRowDataType().getLogicalType();
        ErrorColumns errorColumns = ErrorColumns.of(settings, outputType);
        ResponseIndexColumn responseIndex =
                ResponseIndexColumn.of(settings, outputType, errorColumns.names());
        DefaultValue defaultValue =
                DefaultValue.of(
                        settings.defaultValue,
                        outputType,
                        TritonPredictFunction.notTensors(errorColumns, responseIndex));
        int sessionRowsInFlight =
                context.getConfiguration()
                        .get(
                                ExecutionConfigOptions
                                        .TABLE_EXEC_ASYNC_ML_PREDICT_MAX_CONCURRENT_OPERATIONS);
        return new Provider(
                context.getObjectIdentifier().asSummaryString(),
                settings,
                inputType,
                outputType,
                errorColumns,
                responseIndex,
                defaultValue,
                sessionRowsInFlight);
    }

    /** Creates the async predict function; ML_PREDICT's own options arrive here. */
    private static final class Provider implements AsyncPredictRuntimeProvider {
        private final String modelId;
        private final ModelSettings settings;
        private final RowType inputType;
        private final RowType outputType;
        private final ErrorColumns errorColumns;
        private final ResponseIndexColumn responseIndex;
        private final DefaultValue defaultValue;
        private final int sessionRowsInFlight;

        Provider(
                String modelId,
                ModelSettings settings,
                RowType inputType,
                RowType outputType,
                ErrorColumns errorColumns,
                ResponseIndexColumn responseIndex,
                DefaultValue defaultValue,
                int sessionRowsInFlight) {
            this.modelId = modelId;
            this.settings = settings;
            this.inputType = inputType;
            this.outputType = outputType;
            this.errorColumns = errorColumns;
            this.responseIndex = responseIndex;
            this.defaultValue = defaultValue;
            this.sessionRowsInFlight = sessionRowsInFlight;
        }

        @Override
        public AsyncPredictFunction createAsyncPredictFunction(Context context) {
            // The planner sizes ML_PREDICT's async operator the same way: the query's MAP first,
            // then the session's table.exec.async-ml-predict.max-concurrent-operations.
            int rowsInFlight =
                    context.runtimeConfig()
                            .getOptional(
                                    MLPredictRuntimeConfigOptions.ASYNC_MAX_CONCURRENT_OPERATIONS)
                            .orElse(sessionRowsInFlight);
            return new TritonPredictFunction(
                    modelId,
                    settings,
                    inputType,
                    outputType,
                    errorColumns,
                    responseIndex,
                    defaultValue,
                    Math.max(1, rowsInFlight));
        }

        @Override
        public ModelProvider copy() {
            return new Provider(
                    modelId,
                    settings,
                    inputType,
                    outputType,
                    errorColumns,
                    responseIndex,
                    defaultValue,
                    sessionRowsInFlight);
        }
    }
}

package org.flinktriton.testkit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models a {@link TritonTestServer} serves, and the server's and each model's readiness, apart
 * from any transport: how a name and a version in a request find a model ({@link #resolve}), as
 * Triton resolves them, is decided here once, so that every face of the server (HTTP and gRPC)
 * serves the same models the same way. Thread-safe; models may come and go while requests run.
 */
final class ModelRegistry {
    private final Map<String, TestModel> models = new ConcurrentHashMap<>();
    private final Set<String> unreadyModels = ConcurrentHashMap.newKeySet();
    private volatile boolean ready = true;

    ModelRegistry(Collection<TestModel> initial) {
        initial.forEach(this::add);
    }

    /** The models served now, sorted by name. */
    List<TestModel> models() {
        List<TestModel> list = new ArrayList<>(models.values());
        list.sort(Comparator.comparing(TestModel::name));
        return list;
    }

    /** The model served under {@code name}, or null. */
    TestModel model(String name) {
        return models.get(name);
    }

    /** The names of the models served now, sorted. */
    Set<String> names() {
        return new TreeSet<>(models.keySet());
    }

    /**
     * The model a request names, as Triton resolves it: 404 for an unknown name or version, 501 for
     * a version to a model without {@link TestModel#hasVersionPaths()}.
     *
     * @param version the request's version, or null when it names none
     * @throws HttpError with the status and message Triton answers
     */
    TestModel resolve(String name, String version) {
        TestModel model = model(name);
        if (model == null) {
            throw HttpError.notFound("Request for unknown model: '" + name + "' is not found");
        }
        if (version != null) {
            if (!model.hasVersionPaths()) {
                throw new HttpError(
                        501,
                        "Model versions in the URL path are not supported by this server"
                                + " (model '"
                                + name
                                + "', version "
                                + version
                                + ")");
            }
            if (!version.equals(model.version())) {
                throw HttpError.notFound(
                        "Request for unknown model: '"
                                + name
                                + "' version "
                                + version
                                + " is not found");
            }
        }
        return model;
    }

    /** Serves {@code model}, replacing a model of the same name. */
    void add(TestModel model) {
        models.put(Objects.requireNonNull(model, "model").name(), model);
    }

    /** Stops serving the model; whether it was served. */
    boolean remove(String name) {
        unreadyModels.remove(name);
        return models.remove(name) != null;
    }

    void setReady(boolean ready) {
        this.ready = ready;
    }

    /** Whether the server reports itself ready. */
    boolean isReady() {
        return ready;
    }

    void setModelReady(String name, boolean ready) {
        if (ready) {
            unreadyModels.remove(name);
        } else {
            unreadyModels.add(name);
        }
    }

    /** Whether {@code name} takes inference requests (its metadata is served either way). */
    boolean isModelReady(String name) {
        return !unreadyModels.contains(name);
    }
}

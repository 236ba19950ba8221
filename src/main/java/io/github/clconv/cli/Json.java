package io.github.clconv.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one-line JSON summaries, built on gson (the library that also reads safetensors
 * headers): numbers, booleans, strings, lists, maps and nested summaries. Doubles keep six
 * significant digits, so summaries stay short; a non-finite number is written as null.
 */
public final class Json {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private final JsonObject fields = new JsonObject();

    public Json put(String key, Object value) {
        fields.add(key, tree(value));
        return this;
    }

    /** The number under key (NaN when absent or not a number). */
    double number(String key) {
        JsonElement e = fields.get(key);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber() ? e.getAsDouble() : Double.NaN;
    }

    /** The value under key as a CSV cell: a string as it is, anything else as JSON, absent or null as empty. */
    String cell(String key) {
        JsonElement e = fields.get(key);
        if (e == null || e.isJsonNull()) {
            return "";
        }
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : GSON.toJson(e);
    }

    @Override
    public String toString() {
        return GSON.toJson(fields);
    }

    static JsonElement tree(Object v) {
        if (v == null) {
            return JsonNull.INSTANCE;
        }
        if (v instanceof Json j) {
            return j.fields;
        }
        if (v instanceof Map<?, ?> m) {
            JsonObject o = new JsonObject();
            m.forEach((k, x) -> o.add(k.toString(), tree(x)));
            return o;
        }
        if (v instanceof List<?> l) {
            JsonArray a = new JsonArray();
            l.forEach(x -> a.add(tree(x)));
            return a;
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return Double.isFinite(d) ? new JsonPrimitive(Double.parseDouble(String.format(Locale.ROOT, "%.6g", d))) : JsonNull.INSTANCE;
        }
        if (v instanceof Number n) {
            return new JsonPrimitive(n);
        }
        if (v instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        return new JsonPrimitive(v.toString());
    }
}

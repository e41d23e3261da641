package org.relais.blocks.problem;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem document. Its texts are written by the service, never copied from the
 * request, so no problem echoes survivor data.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class Problem {

    public static final String MEDIA_TYPE = "application/problem+json";
    public static final String TYPE_BASE = "https://relais.dev/problems/";

    public final String type;
    public final String title;
    public final int status;
    public final String detail;
    public String instance;
    public String traceId;
    private final Map<String, Object> extensions = new LinkedHashMap<>();

    public Problem(ProblemType type, int status, String detail) {
        this.type = TYPE_BASE + type.slug();
        this.title = type.title();
        this.status = status;
        this.detail = detail;
    }

    public Problem with(String name, Object value) {
        extensions.put(name, value);
        return this;
    }

    @JsonAnyGetter
    public Map<String, Object> extensions() {
        return extensions;
    }
}

package dev.kindling.load;

import java.net.URI;
import java.util.Map;

/**
 * Where one path of a benchmark sends its invocations: {@code POST uri} with these headers.
 *
 * @param path the path's name in the report ({@code direct}, {@code router})
 */
public record InvocationTarget(String path, URI uri, Map<String, String> headers) {

    public InvocationTarget {
        headers = Map.copyOf(headers);
    }
}

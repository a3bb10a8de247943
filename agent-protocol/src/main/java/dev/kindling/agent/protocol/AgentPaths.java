package dev.kindling.agent.protocol;

/** HTTP paths of the protocol, on the control plane and on the agent. */
public final class AgentPaths {
    private AgentPaths() {}

    /** Control plane: an agent announces itself (POST {@link Registration}). */
    public static String register(String instanceId) {
        return "/v1/agent/instances/" + instanceId + "/register";
    }

    /** Control plane: an agent reports (POST {@link Heartbeat}) and learns its desired copies. */
    public static String heartbeat(String instanceId) {
        return "/v1/agent/instances/" + instanceId + "/heartbeat";
    }

    /** Agent: the control plane asks for a heartbeat now, because the instance's desired copies changed. */
    public static final String SYNC = "/sync";

    /** The header that carries credentials: the instance's launch secret to the control plane, the peer token between agents. */
    public static final String AUTHORIZATION = "Authorization";

    /** {@code Bearer <token>}. */
    public static String bearer(String token) {
        return "Bearer " + token;
    }

    /**
     * Agent: a blob of an image this instance holds ({@code GET}, {@code sha256:<hex>}), for another instance of the
     * same endpoint presenting the endpoint's peer token. 404 when it does not hold it, 403 for any other token.
     */
    public static String peerBlob(String digest) {
        return "/v1/peer/blobs/" + digest;
    }

    /**
     * Agent: an S3 object of a model this instance holds as it was downloaded ({@code GET}, query {@code uri} the
     * object's S3 URI and {@code etag} its ETag), for the same peers on the same terms.
     */
    public static final String PEER_OBJECT = "/v1/peer/objects";

    /** Agent: liveness. */
    public static final String HEALTH = "/health";
}

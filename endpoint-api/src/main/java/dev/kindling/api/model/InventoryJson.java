package dev.kindling.api.model;

import dev.kindling.agent.protocol.CacheInventory;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** What an instance holds (its heartbeat's {@link CacheInventory}) as stored in its {@code inventory} column. */
public final class InventoryJson {

    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private InventoryJson() {}

    public static String write(CacheInventory inventory) {
        return inventory == null ? null : JSON.writeValueAsString(inventory);
    }

    public static CacheInventory read(String json) {
        return json == null ? null : JSON.readValue(json, CacheInventory.class);
    }

    /**
     * Bytes held per source (image reference or model artifact URL), as placement ranks warmth by. A stored value
     * that does not read counts as holding nothing: warmth only orders instances, it never decides whether one fits.
     */
    public static Map<String, Long> heldBytes(String json) {
        if (json == null) return Map.of();
        CacheInventory inventory;
        try {
            inventory = read(json);
        } catch (JacksonException e) {
            return Map.of();
        }
        Map<String, Long> held = new HashMap<>();
        for (CacheInventory.Held h : inventory.images()) {
            if (h != null && h.source() != null) held.merge(h.source(), Math.max(0, h.bytes()), Math::max);
        }
        for (CacheInventory.Held h : inventory.models()) {
            if (h != null && h.source() != null) held.merge(h.source(), Math.max(0, h.bytes()), Math::max);
        }
        return held;
    }
}

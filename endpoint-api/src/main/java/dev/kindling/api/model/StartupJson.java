package dev.kindling.api.model;

import dev.kindling.agent.protocol.CopyStartup;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** A copy's startup report as stored in its {@code startup} column. */
public final class StartupJson {

    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private StartupJson() {}

    public static String write(CopyStartup startup) {
        return startup == null ? null : JSON.writeValueAsString(startup);
    }

    public static CopyStartup read(String json) {
        return json == null ? null : JSON.readValue(json, CopyStartup.class);
    }
}

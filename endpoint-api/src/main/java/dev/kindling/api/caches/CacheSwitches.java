package dev.kindling.api.caches;

import dev.kindling.api.config.CacheProperties;

/** Which cache tiers are on for every endpoint: the endpoint image cache, the endpoint model cache, peer fetch. */
public record CacheSwitches(boolean imageCache, boolean modelCache, boolean peerFetch) {

    public static final CacheSwitches ALL_ON = new CacheSwitches(true, true, true);

    public static CacheSwitches of(CacheProperties p) {
        return new CacheSwitches(p.imageCache().enabled(), p.modelCache().enabled(), p.peerFetch().enabled());
    }
}

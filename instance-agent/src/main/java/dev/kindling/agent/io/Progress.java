package dev.kindling.agent.io;

/** How far a transfer is: the bytes it needs in all once known, then the bytes as they are ready. */
public interface Progress {

    void total(long bytes);

    void moved(long bytes);

    Progress NONE = new Progress() {
        @Override
        public void total(long bytes) { }

        @Override
        public void moved(long bytes) { }
    };
}

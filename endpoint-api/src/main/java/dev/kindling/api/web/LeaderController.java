package dev.kindling.api.web;

import dev.kindling.api.leader.Leadership;
import java.time.Instant;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Whether the replica that answers leads: load balancers and operators ask each replica in turn. */
@RestController
public class LeaderController {

    /** This replica's role: its id, whether it leads, and since when it has led or followed. */
    public record LeaderView(String replicaId, boolean leader, Instant since) {}

    private final Leadership leadership;

    public LeaderController(Leadership leadership) {
        this.leadership = leadership;
    }

    @GetMapping("/v1/leader")
    LeaderView leader() {
        return new LeaderView(leadership.replicaId(), leadership.isLeader(), leadership.since());
    }
}

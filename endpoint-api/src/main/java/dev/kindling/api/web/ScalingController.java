package dev.kindling.api.web;

import dev.kindling.api.model.Requests.ScalableTargetBody;
import dev.kindling.api.model.Requests.ScalingPolicyBody;
import dev.kindling.api.model.Views.ScalableTargetView;
import dev.kindling.api.model.Views.ScalingPolicyView;
import dev.kindling.api.service.Etags;
import dev.kindling.api.service.ScalingService;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** An inference component's scalable target and scaling policies (Application Auto Scaling's shapes). */
@RestController
@RequestMapping("/v1/inference-components/{component}")
public class ScalingController {

    private final ScalingService service;

    public ScalingController(ScalingService service) {
        this.service = service;
    }

    @PutMapping("/scaling-target")
    Mono<ResponseEntity<ScalableTargetView>> putTarget(@PathVariable String component, @RequestBody ScalableTargetBody body,
                                                       @RequestHeader(name = "If-Match", required = false) String ifMatch) {
        return Mono.defer(() -> service.putTarget(component, body, Etags.parseIfMatch(ifMatch)))
                .map(t -> Responses.ok(ScalingService.view(t), t.version()));
    }

    @GetMapping("/scaling-target")
    Mono<ResponseEntity<ScalableTargetView>> getTarget(@PathVariable String component) {
        return service.targetRecord(component).map(t -> Responses.ok(ScalingService.view(t), t.version()));
    }

    /** Deregisters the target and deletes its policies. */
    @DeleteMapping("/scaling-target")
    Mono<ResponseEntity<Void>> deleteTarget(@PathVariable String component) {
        return service.deleteTarget(component).thenReturn(ResponseEntity.noContent().build());
    }

    @PutMapping("/scaling-policies/{policyName}")
    Mono<ResponseEntity<ScalingPolicyView>> putPolicy(@PathVariable String component, @PathVariable String policyName,
                                                      @RequestBody ScalingPolicyBody body,
                                                      @RequestHeader(name = "If-Match", required = false) String ifMatch) {
        return Mono.defer(() -> service.putPolicy(component, policyName, body, Etags.parseIfMatch(ifMatch)))
                .map(p -> Responses.ok(service.view(p), p.version()));
    }

    @GetMapping("/scaling-policies/{policyName}")
    Mono<ResponseEntity<ScalingPolicyView>> getPolicy(@PathVariable String component, @PathVariable String policyName) {
        return service.getPolicy(component, policyName).map(p -> Responses.ok(service.view(p), p.version()));
    }

    @GetMapping("/scaling-policies")
    Mono<List<ScalingPolicyView>> listPolicies(@PathVariable String component) {
        return service.listPolicies(component);
    }

    @DeleteMapping("/scaling-policies/{policyName}")
    Mono<ResponseEntity<Void>> deletePolicy(@PathVariable String component, @PathVariable String policyName) {
        return service.deletePolicy(component, policyName).thenReturn(ResponseEntity.noContent().build());
    }
}

package dev.kindling.api;

/** Request bodies the API tests start from. */
public final class Fixtures {

    private Fixtures() {}

    public static String config(String name, String instanceType, int instances) {
        return """
                {"endpointConfigName":"%s","productionVariants":[{"variantName":"AllTraffic",
                 "instanceType":"%s","initialInstanceCount":%d}]}""".formatted(name, instanceType, instances);
    }

    public static String endpoint(String name, String config) {
        return """
                {"endpointName":"%s","endpointConfigName":"%s"}""".formatted(name, config);
    }

    public static String component(String name, String endpoint, int accelerators, int copies, String environment) {
        return """
                {"inferenceComponentName":"%s","endpointName":"%s","variantName":"AllTraffic",
                 "specification":{"container":{"image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1",
                   "artifactUrl":"s3://models/%s/model.tar.gz","environment":%s},
                   "computeResourceRequirements":{"numberOfAcceleratorDevicesRequired":%d,"numberOfCpuCoresRequired":1,
                   "minMemoryRequiredInMb":2048}},
                 "runtimeConfig":{"copyCount":%d}}""".formatted(name, endpoint, name, environment, accelerators, copies);
    }
}

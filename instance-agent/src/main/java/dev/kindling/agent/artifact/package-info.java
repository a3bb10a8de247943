/**
 * Model artifacts by S3 URI: what a URI names ({@link ArtifactSource}), the key its objects' versions give it, and
 * the store of complete artifacts, each a directory ready to serve as a model server's {@code /opt/ml/model}.
 */
package dev.kindling.agent.artifact;

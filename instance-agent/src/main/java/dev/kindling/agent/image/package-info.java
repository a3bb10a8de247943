/** Image layers unpacked into a root filesystem, in order, with OCI whiteouts applied. */
package dev.kindling.agent.image;

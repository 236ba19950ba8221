package io.github.clconv.nn;

/** A model's tensor with its state_dict name ("0.weight", "layer1.0.conv1.weight"). */
public record NamedParam(String name, Param param) {
}

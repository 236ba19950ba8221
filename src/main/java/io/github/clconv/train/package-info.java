/**
 * Training: Fit (a whole run, as Keras's fit), Trainer (epochs of steps), Optimizer, losses,
 * schedules, augmentation, evaluation, listeners and ready Callbacks (early stopping, keep-best,
 * reduce-on-plateau), checkpoints in safetensors with PyTorch's names (Checkpoint,
 * TrainingState) and Classifier for prediction.
 */
package io.github.clconv.train;

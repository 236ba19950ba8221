/**
 * Data sets in host memory (Dataset), one reader per format (IdxReader, CifarReader,
 * ImageFolderReader), and DeviceDataset, which uploads a set or streams it in chunks within a
 * memory budget.
 */
package io.github.clconv.data;

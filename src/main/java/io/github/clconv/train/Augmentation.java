package io.github.clconv.train;

import java.util.Locale;

/**
 * Training-time augmentation, applied on the device to each batch (Backend.augment): a
 * random horizontal flip and a random crop after zero padding, torchvision's
 * RandomHorizontalFlip and RandomCrop(size, padding=pad). Written as {@code hflip,crop:4}.
 */
public record Augmentation(boolean hflip, int pad) {
    public Augmentation {
        if (pad < 0 || pad > 1024) {
            throw new IllegalArgumentException("augmentation crop:" + pad + ": the padding must lie in [0, 1024]");
        }
    }

    /** null or "none": no augmentation (null is returned). */
    public static Augmentation parse(String spec) {
        if (spec == null || spec.isBlank() || spec.trim().equalsIgnoreCase("none")) {
            return null;
        }
        boolean flip = false;
        int pad = 0;
        for (String part : spec.toLowerCase(Locale.ROOT).split(",")) {
            String p = part.trim();
            if (p.equals("hflip")) {
                flip = true;
            } else if (p.startsWith("crop:")) {
                try {
                    pad = Integer.parseInt(p.substring(5));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("augmentation '" + spec + "': crop:N takes a whole number of pixels, got '" + p.substring(5) + "'");
                }
            } else {
                throw new IllegalArgumentException("augmentation '" + spec + "': unknown part '" + p + "'; expected hflip and/or crop:N, e.g. hflip,crop:4");
            }
        }
        return new Augmentation(flip, pad);
    }

    /** The Philox key of one training step: distinct per run seed and step. */
    static long stepSeed(long runSeed, long step) {
        return runSeed * 0x9E3779B97F4A7C15L + step;
    }

    @Override
    public String toString() {
        return (hflip ? "hflip" : "") + (hflip && pad > 0 ? "," : "") + (pad > 0 ? "crop:" + pad : "");
    }
}

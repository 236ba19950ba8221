package io.github.clconv.train;

import java.util.Locale;

/**
 * Training-time augmentation: a random-resized crop of each photo at its stored size, made on
 * the host when its chunk is uploaded (torchvision's RandomResizedCrop(size, scale=(minScale, 1)),
 * image folders only); then, on the device for each batch (Backend.augment), a random horizontal
 * flip and a random crop after zero padding (RandomHorizontalFlip, RandomCrop(size, padding=pad)).
 * Written as {@code hflip,crop:4} or {@code resized-crop,hflip} ({@code resized-crop:0.25} for
 * crops of at least a quarter of the photo; torchvision's default is 0.08).
 */
public record Augmentation(boolean hflip, int pad, double resizedCrop) {
    /** torchvision's RandomResizedCrop: crops of 8% to 100% of the photo's area. */
    public static final double DEFAULT_MIN_SCALE = 0.08;

    public Augmentation {
        if (pad < 0 || pad > 1024) {
            throw new IllegalArgumentException("augmentation crop:" + pad + ": the padding must lie in [0, 1024]");
        }
        if (!(resizedCrop >= 0 && resizedCrop <= 1)) {
            throw new IllegalArgumentException("augmentation resized-crop:" + resizedCrop + ": the smallest share of a photo's area must lie in (0, 1]");
        }
    }

    public Augmentation(boolean hflip, int pad) {
        this(hflip, pad, 0);
    }

    /** Whether anything is done on the device (a flip or a padded crop). */
    public boolean onDevice() {
        return hflip || pad > 0;
    }

    /** null or "none": no augmentation (null is returned). */
    public static Augmentation parse(String spec) {
        if (spec == null || spec.isBlank() || spec.trim().equalsIgnoreCase("none")) {
            return null;
        }
        boolean flip = false;
        int pad = 0;
        double resized = 0;
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
            } else if (p.equals("resized-crop")) {
                resized = DEFAULT_MIN_SCALE;
            } else if (p.startsWith("resized-crop:")) {
                try {
                    resized = Double.parseDouble(p.substring(13));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("augmentation '" + spec + "': resized-crop:S takes the smallest share of the area, e.g. 0.08, got '"
                            + p.substring(13) + "'");
                }
                if (!(resized > 0 && resized <= 1)) {
                    throw new IllegalArgumentException("augmentation '" + spec + "': resized-crop:S takes a share of the area in (0, 1], got " + p.substring(13));
                }
            } else {
                throw new IllegalArgumentException("augmentation '" + spec + "': unknown part '" + p
                        + "'; expected hflip, crop:N and/or resized-crop[:S], e.g. hflip,crop:4 or resized-crop,hflip");
            }
        }
        return new Augmentation(flip, pad, resized);
    }

    /** The Philox key of one training step: distinct per run seed and step. */
    static long stepSeed(long runSeed, long step) {
        return runSeed * 0x9E3779B97F4A7C15L + step;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        if (resizedCrop > 0) {
            s.append("resized-crop").append(resizedCrop == DEFAULT_MIN_SCALE ? "" : ":" + resizedCrop);
        }
        if (hflip) {
            s.append(s.length() > 0 ? "," : "").append("hflip");
        }
        if (pad > 0) {
            s.append(s.length() > 0 ? "," : "").append("crop:").append(pad);
        }
        return s.toString();
    }
}

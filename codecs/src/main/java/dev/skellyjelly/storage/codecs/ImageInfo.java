package dev.skellyjelly.storage.codecs;

/** Format and pixel size of an image, as read from its header by {@link ImageHeaders}. */
public record ImageInfo(ImageFormat format, int width, int height) {}

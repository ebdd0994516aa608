/* make_tiny_folder: write a tiny image folder in torchvision's ImageFolder layout for the
 * command-line tests of `--data folder:`. Deterministic: the same directory gets the same bytes.
 *
 * DIR/split/train/{ant,bee}/N.png: 3 gray 4x4 PNGs a class; DIR/split/test/{ant,bee}/N.png: 2.
 * DIR/one/{ant,bee,cow}/N.png: 5 RGB 6x3 PNGs a class (no train/ and test/). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <png.h>

static int write_png(const char *dir, const char *sub, const char *cls, int i, int w, int h, int rgb)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, cls);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s/%d.png", dir, sub, cls, i);
    unsigned char px[6 * 4 * 3];
    int c = rgb ? 3 : 1;
    for (int j = 0; j < w * h * c; j++)
        px[j] = (unsigned char)(cls[0] * 7 + i * 31 + j * 13);
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = rgb ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    if (!png_image_write_to_file(&img, path, 0, px, 0, NULL)) {
        fprintf(stderr, "make_tiny_folder: %s: %s\n", path, img.message);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_tiny_folder DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    char path[4200];
    snprintf(path, sizeof path, "%s/split", dir);
    mkdir(path, 0755);
    int bad = 0;
    const char *two[2] = { "ant", "bee" }, *three[3] = { "ant", "bee", "cow" };
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 3; i++) {
            bad |= write_png(dir, "split/train", two[k], i, 4, 4, 0);
            if (i < 2)
                bad |= write_png(dir, "split/test", two[k], i, 4, 4, 0);
        }
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 5; i++)
            bad |= write_png(dir, "one", three[k], i, 6, 3, 1);
    return bad;
}

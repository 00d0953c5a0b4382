/* plot.c -- see plot.h. */
#include "plot.h"

#include "output.h"

FILE *plot_open(const char *dir, const char *name, const char *title,
                const char *xlabel, const char *ylabel, int width, int height)
{
    char file[256];
    snprintf(file, sizeof file, "%s.gp", name);
    FILE *f = out_open(dir, file);
    /* PDF size: 16 cm wide, same aspect ratio as the PNG */
    double pdf_w = 16.0, pdf_h = 16.0 * height / width;
    fprintf(f,
            "# %s -- render with: gnuplot %s  (or gnuplot -e \"fmt='pdf'\" %s)\n"
            "if (!exists(\"fmt\")) fmt = \"png\"\n"
            "if (fmt eq \"pdf\") {\n"
            "    set terminal pdfcairo enhanced color font \"Sans,9\" size %.1fcm,%.1fcm\n"
            "} else {\n"
            "    set terminal pngcairo enhanced color font \"Sans,14\" size %d,%d\n"
            "}\n"
            "set output \"%s.\".fmt\n"
            "set border lw 1.2\n"
            "set grid lc rgb \"#dddddd\" lw 1\n"
            "set key box lc rgb \"#bbbbbb\" opaque\n"
            "set linetype 1 lc rgb \"" PLOT_BLUE "\" lw 2.5 pt 7 ps 0.6\n"
            "set linetype 2 lc rgb \"" PLOT_ORANGE "\" lw 2.5 pt 5 ps 0.6\n"
            "set linetype 3 lc rgb \"" PLOT_GREEN "\" lw 2.5 pt 9 ps 0.6\n"
            "set linetype 4 lc rgb \"" PLOT_VERMILION "\" lw 2.5 pt 11 ps 0.6\n"
            "set linetype 5 lc rgb \"" PLOT_SKY "\" lw 2.5 pt 13 ps 0.6\n"
            "set linetype 6 lc rgb \"" PLOT_PURPLE "\" lw 2.5 pt 15 ps 0.6\n"
            "set linetype 7 lc rgb \"" PLOT_YELLOW "\" lw 2.5 pt 7 ps 0.6\n"
            "set linetype 8 lc rgb \"" PLOT_BLACK "\" lw 2.5 pt 7 ps 0.6\n"
            "set linetype cycle 8\n"
            "set title \"%s\"\n"
            "set xlabel \"%s\"\n"
            "set ylabel \"%s\"\n",
            file, file, file, pdf_w, pdf_h, width, height, name, title, xlabel, ylabel);
    return f;
}

FILE *plot_open_default(const char *dir, const char *name, const char *title,
                        const char *xlabel, const char *ylabel)
{
    return plot_open(dir, name, title, xlabel, ylabel, 1200, 750);
}

void plot_close(FILE *f)
{
    out_close(f, "gnuplot script");
}

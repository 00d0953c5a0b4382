# gan_judge.gp -- which class the judge assigns to the GAN's fixed-z samples
# (blue) and to the real test images of the class the GAN learned (orange),
# as shares, with the per cent above each bar.
# gan_judge.dat: class, share of GAN samples, share of real images (the
# class names come from values.gp).
load "values.gp"
fig_name = "gan_judge"
load "style.gp"
set title sprintf("What the judge sees: GAN samples and real images of class %s", gan_class)
set xlabel "class the judge assigns"
set ylabel "share of the images (numbers: per cent)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:1.1]
set key top right
set grid noxtics
plot "gan_judge.dat" using 2:xtic(value(sprintf("class_name_%d", int($1)))) lt 1 title sprintf("%d GAN samples", gan_judged_n), \
     "" using 3 lt 2 title sprintf("real test images of class %s", gan_class), \
     "" using ($0 - 1.0/6):($2 + 0.025):($2 >= 0.005 ? sprintf("%.1f", 100 * $2) : "") \
        with labels font ",10" notitle, \
     "" using ($0 + 1.0/6):($3 + 0.025):($3 >= 0.005 ? sprintf("%.1f", 100 * $3) : "") \
        with labels font ",10" notitle

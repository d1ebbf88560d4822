/*
 * c_host: a plain C program that plays a living film through livingfilm's C ABI, the
 * way a TV or streaming-stick host does: it owns the "sensor" (here a replay CSV of
 * heart-beat intervals, fed as the film plays), takes every frame into its own buffer
 * and pulls the mix as its audio callback would.
 *
 *   c_host FILM REPLAY_CSV OUT_DIR [CONFIG_JSON]
 *
 * Writes OUT_DIR/frames.rgba (raw frames, one after another), OUT_DIR/mix.f32
 * (interleaved stereo float) and OUT_DIR/cut_id.txt, and prints the cut ID.
 * Build (docs/c-abi.md): the library with
 *   cargo build --release -p livingfilm-ffi
 * then  cc -std=c11 -Iinclude examples/c_host/main.c -Ltarget/release -llivingfilm -o c_host
 * Exit status 0 on success.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "livingfilm.h"

typedef struct {
    unsigned decisions;
    unsigned warnings;
} Counts;

static void on_event(void *user, const LfEvent *e) {
    Counts *c = (Counts *)user;
    switch (e->kind) {
    case LF_EVENT_DECISION:
        c->decisions++;
        printf("  %7.2fs  %s -> %s\n", e->t_s, e->segment, e->variant);
        break;
    case LF_EVENT_WARNING:
        c->warnings++;
        fprintf(stderr, "warning: %s\n", e->message);
        break;
    case LF_EVENT_ERROR:
        fprintf(stderr, "error: %s\n", e->message);
        break;
    default:
        break;
    }
}

/* Reads `t_s,rr_ms` lines (a header and # comments are skipped). */
static LfSample *read_replay(const char *path, size_t *count) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return NULL;
    }
    size_t cap = 256, n = 0;
    LfSample *s = malloc(cap * sizeof *s);
    char line[256];
    while (s && fgets(line, sizeof line, f)) {
        double t, rr;
        if (line[0] == '#' || sscanf(line, "%lf,%lf", &t, &rr) != 2)
            continue;
        if (n == cap) {
            cap *= 2;
            LfSample *grown = realloc(s, cap * sizeof *s);
            if (!grown) {
                free(s);
                s = NULL;
                break;
            }
            s = grown;
        }
        s[n].t_s = t;
        s[n].kind = LF_SAMPLE_RR_MS;
        s[n].value = rr;
        n++;
    }
    fclose(f);
    *count = n;
    return s;
}

static FILE *open_out(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        perror(path);
    return f;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s FILM REPLAY_CSV OUT_DIR [CONFIG_JSON]\n", argv[0]);
        return 2;
    }
    const char *config = argc > 4 ? argv[4] : "{\"render\": \"cpu\"}";
    size_t n_samples = 0;
    LfSample *samples = read_replay(argv[2], &n_samples);
    if (!samples)
        return 1;

    LfPlayer *p = lf_player_new(argv[1], config);
    if (!p) {
        fprintf(stderr, "lf_player_new: %s\n", lf_last_error());
        free(samples);
        return 1;
    }
    uint32_t w = 0, h = 0;
    lf_player_size(p, &w, &h);
    Counts counts = {0, 0};
    lf_player_set_event_callback(p, on_event, &counts);
    lf_player_set_consent(p, false, false);
    if (lf_player_start(p) != LF_OK) {
        fprintf(stderr, "lf_player_start: %s\n", lf_last_error());
        lf_player_free(p);
        free(samples);
        return 1;
    }

    /* The host's frame buffer, with a padded stride as compositors use. */
    size_t stride = (size_t)w * 4 + 64;
    uint8_t *rgba = malloc(stride * h);
    float audio[2 * 1024];
    FILE *frames_out = open_out(argv[3], "frames.rgba");
    FILE *mix_out = open_out(argv[3], "mix.f32");
    int status = (rgba && frames_out && mix_out) ? 0 : 1;

    /* Feed the sensor as the film plays: everything up to 2 s past the next frame. */
    size_t fed = 0;
    unsigned frames = 0;
    int audio_done = 0;
    while (status == 0) {
        double horizon = frames / 24.0 + 2.0;
        size_t upto = fed;
        while (upto < n_samples && samples[upto].t_s <= horizon)
            upto++;
        if (upto > fed) {
            lf_player_push_samples(p, samples + fed, upto - fed);
            fed = upto;
        }
        if (fed == n_samples)
            lf_player_end_samples(p);

        LfFrameInfo info;
        int r = lf_player_next_frame(p, rgba, stride, w, h, &info);
        if (r == LF_END)
            break;
        if (r != LF_FRAME) {
            fprintf(stderr, "lf_player_next_frame: %s\n", lf_last_error());
            status = 1;
            break;
        }
        for (uint32_t y = 0; y < h; y++)
            fwrite(rgba + y * stride, 1, (size_t)w * 4, frames_out);
        frames++;
        /* Drain what the mix has ready, as an audio callback would. */
        for (;;) {
            int64_t got = lf_player_read_audio(p, audio, 1024);
            if (got == LF_AUDIO_END) {
                audio_done = 1;
                break;
            }
            if (got <= 0)
                break;
            fwrite(audio, sizeof(float), (size_t)got * 2, mix_out);
        }
    }
    while (status == 0 && !audio_done) {
        int64_t got = lf_player_read_audio(p, audio, 1024);
        if (got == LF_AUDIO_END)
            break;
        if (got < 0) {
            status = 1;
            break;
        }
        if (got == 0) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
        fwrite(audio, sizeof(float), (size_t)got * 2, mix_out);
    }
    if (status == 0 && lf_player_wait(p) != LF_OK) {
        fprintf(stderr, "lf_player_wait: %s\n", lf_last_error());
        status = 1;
    }
    const char *cut = status == 0 ? lf_player_cut_id(p) : NULL;
    if (cut) {
        printf("frames: %u (%ux%u), decisions: %u, warnings: %u\n", frames, w, h,
               counts.decisions, counts.warnings);
        printf("cut id: %s\n", cut);
        FILE *c = open_out(argv[3], "cut_id.txt");
        if (c) {
            fprintf(c, "%s\n", cut);
            fclose(c);
        }
    } else {
        status = 1;
    }
    if (frames_out)
        fclose(frames_out);
    if (mix_out)
        fclose(mix_out);
    free(rgba);
    free(samples);
    lf_player_free(p);
    return status;
}

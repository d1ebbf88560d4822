/*
 * misuse: a C host that gets the C ABI wrong on purpose, one way after another, and
 * checks that each mistake is reported as the header promises instead of corrupting
 * memory or hanging. Run by tests/c_abi.rs and, under valgrind's memcheck, by
 * scripts/valgrind_c_host.sh.
 *
 *   misuse FILM BROKEN_FILM [CONFIG_JSON]
 *
 * BROKEN_FILM is a film whose manifest loads but whose playback fails (a corrupt LUT).
 * Prints one line per case and exits 0 only if every case behaved.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "livingfilm.h"

static int failures = 0;

static void expect(const char *what, long long got, long long want) {
    if (got == want) {
        printf("ok: %s\n", what);
    } else {
        printf("FAILED: %s: got %lld, want %lld (%s)\n", what, got, want, lf_last_error());
        failures++;
    }
}

typedef struct {
    LfPlayer *p;
    int calls;
    int32_t wait_code, free_code, frame_code;
} Reentry;

/* Calls that wait on the player's threads, made from the thread running the callback. */
static void on_event(void *user, const LfEvent *e) {
    Reentry *r = (Reentry *)user;
    if (e->kind != LF_EVENT_DECISION || r->calls++ > 0)
        return;
    uint8_t px[4];
    r->wait_code = lf_player_wait(r->p);
    r->free_code = lf_player_free(r->p);
    r->frame_code = lf_player_next_frame(r->p, px, 4, 1, 1, NULL);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s FILM BROKEN_FILM [CONFIG_JSON]\n", argv[0]);
        return 2;
    }
    const char *config = argc > 3 ? argv[3] : "{\"render\": \"cpu\", \"width\": 32, \"height\": 18}";

    /* A film that loads but cannot play: an error, not an ordinary end. */
    LfPlayer *broken = lf_player_new(argv[2], config);
    expect("a broken film still loads its manifest", broken != NULL, 1);
    if (broken) {
        expect("start", lf_player_start(broken), LF_OK);
        uint8_t px[32 * 18 * 4];
        expect("a film that fails to play ends in an error, not LF_END",
               lf_player_next_frame(broken, px, 32 * 4, 32, 18, NULL), LF_ERR_PLAYBACK);
        expect("wait reports the failure", lf_player_wait(broken), LF_ERR_PLAYBACK);
        expect("free", lf_player_free(broken), LF_OK);
    }

    LfPlayer *p = lf_player_new(argv[1], config);
    expect("the film loads", p != NULL, 1);
    if (!p)
        return 1;
    uint32_t w = 0, h = 0;
    expect("size", lf_player_size(p, &w, &h), LF_OK);
    Reentry re = {p, 0, 0, 0, 0};
    expect("callback", lf_player_set_event_callback(p, on_event, &re), LF_OK);

    LfSample one = {0.5, LF_SAMPLE_RR_MS, 800.0};
    expect("samples before start", lf_player_push_samples(p, &one, 1), LF_ERR_STATE);
    expect("start", lf_player_start(p), LF_OK);
    expect("start twice", lf_player_start(p), LF_ERR_STATE);

    /* An audio request the size of the address space: refused, buffer untouched. */
    float audio[8] = {42, 42, 42, 42, 42, 42, 42, 42};
    expect("read_audio with (size_t)-1 frames", lf_player_read_audio(p, audio, (size_t)-1),
           LF_ERR_ARG);
    expect("read_audio past LF_MAX_AUDIO_FRAMES",
           lf_player_read_audio(p, audio, LF_MAX_AUDIO_FRAMES + 1), LF_ERR_ARG);
    expect("the refused buffer is untouched", audio[0] == 42 && audio[7] == 42, 1);
    expect("read_audio with a null buffer", lf_player_read_audio(p, NULL, 4), LF_ERR_NULL);

    /* The sample queue is bounded: too many at once, then a full queue. */
    size_t chunk = 4096;
    LfSample *many = malloc((LF_MAX_QUEUED_SAMPLES + 1) * sizeof *many);
    if (!many)
        return 1;
    for (size_t i = 0; i <= LF_MAX_QUEUED_SAMPLES; i++) {
        many[i].t_s = 10000.0 + (double)i;
        many[i].kind = LF_SAMPLE_RR_MS;
        many[i].value = 800.0;
    }
    expect("more than LF_MAX_QUEUED_SAMPLES at once",
           lf_player_push_samples(p, many, LF_MAX_QUEUED_SAMPLES + 1), LF_ERR_ARG);
    int32_t code = LF_OK;
    size_t pushed = 0;
    while (code == LF_OK && pushed < 2 * LF_MAX_QUEUED_SAMPLES) {
        code = lf_player_push_samples(p, many + (pushed % LF_MAX_QUEUED_SAMPLES) / chunk * chunk,
                                      chunk);
        if (code == LF_OK)
            pushed += chunk;
    }
    expect("a host pushing far ahead meets a full queue", code, LF_ERR_FULL);
    expect("an unknown sample kind",
           lf_player_push_samples(p, &(LfSample){1.0, 99, 1.0}, 1), LF_ERR_ARG);
    free(many);

    /* Frames play on (the samples lie far in the future); the first decision's callback
       tries the calls that would wait on its own thread. */
    uint8_t *rgba = malloc((size_t)w * h * 4);
    for (int i = 0; rgba && i < 48 && re.calls == 0; i++) {
        if (lf_player_next_frame(p, rgba, (size_t)w * 4, w, h, NULL) != LF_FRAME)
            break;
        float a[2 * 256];
        while (lf_player_read_audio(p, a, 256) > 0) {
        }
    }
    expect("the callback ran", re.calls > 0, 1);
    expect("lf_player_wait inside the callback", re.wait_code, LF_ERR_STATE);
    expect("lf_player_free inside the callback", re.free_code, LF_ERR_STATE);
    expect("lf_player_next_frame inside the callback", re.frame_code, LF_ERR_STATE);
    expect("an overflowing stride", lf_player_next_frame(p, rgba, SIZE_MAX / 2, w, h, NULL),
           LF_ERR_ARG);
    free(rgba);

    /* Freed mid-film, then used: every call says so. */
    expect("free while playing", lf_player_free(p), LF_OK);
    expect("size after free", lf_player_size(p, &w, &h), LF_ERR_HANDLE);
    expect("read_audio after free", lf_player_read_audio(p, audio, 4), LF_ERR_HANDLE);
    expect("push after free", lf_player_push_samples(p, &one, 1), LF_ERR_HANDLE);
    expect("cut id after free", lf_player_cut_id(p) == NULL, 1);
    expect("double free", lf_player_free(p), LF_ERR_HANDLE);
    expect("a made-up handle", lf_player_start((LfPlayer *)(uintptr_t)0x1234), LF_ERR_HANDLE);
    expect("free(NULL)", lf_player_free(NULL), LF_OK);

    printf("misuse: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}

/* qcow2 internal snapshot table ("Snapshots"): read and validate. */
#include "tern/osdep.h"
#include "qcow2.h"

#define SN_FIXED_LEN 40

void qcow2_free_snapshots(BDRVQcow2State *s)
{
    for (uint32_t i = 0; i < s->nb_snapshots && s->snapshots; i++) {
        g_free(s->snapshots[i].id_str);
        g_free(s->snapshots[i].name);
    }
    g_free(s->snapshots);
    s->snapshots = NULL;
}

bool qcow2_read_snapshots(BlockDriverState *bs, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t file_len = bdrv_getlength(bs->file);
    uint64_t pos, end;
    g_autofree uint8_t *table = NULL;

    s->snapshots_size = 0;
    if (!s->nb_snapshots) {
        return true;
    }
    if (s->nb_snapshots > QCOW_MAX_SNAPSHOTS) {
        error_setg(errp, "'%s': too many snapshots (%u)", bs->filename,
                   s->nb_snapshots);
        return false;
    }
    if (offset_into_cluster(s, s->snapshots_offset) ||
        s->snapshots_offset >= (uint64_t)file_len) {
        error_setg(errp, "'%s': snapshot table offset 0x%" PRIx64 " is "
                   "invalid (unaligned or past the end of the file)",
                   bs->filename, s->snapshots_offset);
        return false;
    }
    /* Read up to the end of the file (bounded) and parse within it. */
    end = MIN((uint64_t)file_len - s->snapshots_offset,
              (uint64_t)s->nb_snapshots * (SN_FIXED_LEN + 1024 + 2 * 65536 + 8));
    table = g_malloc(end);
    if (bdrv_file_pread(bs->file, s->snapshots_offset, end, table) < 0) {
        error_setg(errp, "'%s': cannot read the snapshot table", bs->filename);
        return false;
    }
    s->snapshots = g_new0(Qcow2Snapshot, s->nb_snapshots);
    pos = 0;
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        Qcow2Snapshot *sn = &s->snapshots[i];
        if (end - pos < SN_FIXED_LEN) {
            goto truncated;
        }
        const uint8_t *h = table + pos;
        uint32_t id_len = ld16be(h + 12), name_len = ld16be(h + 14);
        uint32_t extra = ld32be(h + 36);
        sn->l1_table_offset = ld64be(h);
        sn->l1_size = ld32be(h + 8);
        sn->date_sec = ld32be(h + 16);
        sn->date_nsec = ld32be(h + 20);
        sn->vm_clock_nsec = ld64be(h + 24);
        sn->vm_state_size = ld32be(h + 32);
        sn->icount = UINT64_MAX;
        sn->disk_size = s->size;
        if (extra > 1024 ||
            end - pos - SN_FIXED_LEN < (uint64_t)extra + id_len + name_len) {
            goto truncated;
        }
        const uint8_t *x = h + SN_FIXED_LEN;
        if (extra >= 8) {
            sn->vm_state_size = ld64be(x);
        }
        if (extra >= 16) {
            sn->disk_size = ld64be(x + 8);
        }
        if (extra >= 24) {
            sn->icount = ld64be(x + 16);
        }
        sn->id_str = g_strndup((const char *)x + extra, id_len);
        sn->name = g_strndup((const char *)x + extra + id_len, name_len);
        pos = TERN_ALIGN_UP(pos + SN_FIXED_LEN + extra + id_len + name_len, 8);
        pos = MIN(pos, end);

        if ((uint64_t)sn->l1_size * 8 > QCOW_MAX_L1_SIZE ||
            offset_into_cluster(s, sn->l1_table_offset) ||
            sn->l1_table_offset > (uint64_t)file_len ||
            (uint64_t)sn->l1_size * 8 > (uint64_t)file_len - sn->l1_table_offset) {
            error_setg(errp, "'%s': snapshot %u has an invalid L1 table "
                       "(offset 0x%" PRIx64 ", %u entries)", bs->filename, i,
                       sn->l1_table_offset, sn->l1_size);
            return false;
        }
    }
    s->snapshots_size = pos;
    return true;

truncated:
    error_setg(errp, "'%s': snapshot table is truncated or has an invalid "
               "entry", bs->filename);
    return false;
}

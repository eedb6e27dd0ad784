/* pickle.c - a restricted unpickler for PyTorch's data.pkl
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It executes nothing. Values are built in an arena; the only callables are a fixed
 * table of globals (OrderedDict, set, _rebuild_tensor_v2, _rebuild_parameter, the
 * storage types, and the torch.nn classes Layerlab supports). Any other global, any
 * unknown opcode, and any size beyond the limits below is refused with a message.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pickle.h"

#define PK_MAX_VALUES   (4 * 1024 * 1024)
#define PK_MAX_MEMO     (1024 * 1024)
#define PK_MAX_STACK    (1024 * 1024)
#define PK_MAX_ARENA    ((size_t) 256 * 1024 * 1024)

static const struct {
  const char *module;
  const char *name;
  pk_global id;
} allowed_globals[] = {
  { "collections", "OrderedDict", PK_G_ORDERED_DICT },
  { "builtins", "set", PK_G_SET },
  { "__builtin__", "set", PK_G_SET },
  { "torch._utils", "_rebuild_tensor_v2", PK_G_REBUILD_TENSOR },
  { "torch._utils", "_rebuild_parameter", PK_G_REBUILD_PARAMETER },
  { "torch", "FloatStorage", PK_G_FLOAT_STORAGE },
  { "torch", "DoubleStorage", PK_G_DOUBLE_STORAGE },
  { "torch", "LongStorage", PK_G_LONG_STORAGE },
  { "torch", "Size", PK_G_TORCH_SIZE },
  { "torch.nn.modules.container", "Sequential", PK_G_SEQUENTIAL },
  { "torch.nn.modules.conv", "Conv2d", PK_G_CONV2D },
  { "torch.nn.modules.activation", "ReLU", PK_G_RELU },
  { "torch.nn.modules.pooling", "MaxPool2d", PK_G_MAXPOOL2D },
  { "torch.nn.modules.pooling", "AvgPool2d", PK_G_AVGPOOL2D },
  { "torch.nn.modules.flatten", "Flatten", PK_G_FLATTEN },
  { "torch.nn.modules.linear", "Linear", PK_G_LINEAR },
  { "torch.nn.modules.batchnorm", "BatchNorm2d", PK_G_BATCHNORM2D },
  { "torch.nn.modules.dropout", "Dropout", PK_G_DROPOUT },
  { "torch.nn.modules.activation", "LeakyReLU", PK_G_LEAKYRELU },
  { "torch.nn.modules.activation", "Sigmoid", PK_G_SIGMOID },
  { "torch.nn.modules.activation", "Tanh", PK_G_TANH },
  { "torch.nn.modules.activation", "Softmax", PK_G_SOFTMAX },
};

typedef struct arena_block {
  struct arena_block *next;
  size_t used, size;
  max_align_t data[];
} arena_block;

struct pk_doc {
  arena_block *blocks;
  size_t total;
  int64_t n_values;
  pk_value *root;
};

typedef struct {
  pk_doc *doc;
  const unsigned char *begin, *p, *end;
  pk_value **stack;
  int64_t sp, stack_cap;
  int64_t *marks;
  int64_t n_marks, marks_cap;
  pk_value **memo;
  int64_t memo_cap;
  const char *name;
  nn_error *err;
} pk_vm;

static void *
arena_alloc (pk_doc *doc, size_t size)
{
  size = (size + sizeof (max_align_t) - 1) & ~(sizeof (max_align_t) - 1);
  if (doc->blocks == NULL || doc->blocks->size - doc->blocks->used < size)
    {
      size_t bsize = size > 65536 ? size : 65536;
      if (doc->total + bsize > PK_MAX_ARENA)
        return NULL;
      arena_block *b = malloc (sizeof *b + bsize);
      if (b == NULL)
        return NULL;
      b->next = doc->blocks;
      b->used = 0;
      b->size = bsize;
      doc->blocks = b;
      doc->total += bsize;
    }
  void *ptr = (char *) doc->blocks->data + doc->blocks->used;
  doc->blocks->used += size;
  memset (ptr, 0, size);
  return ptr;
}

void
pk_doc_free (pk_doc *doc)
{
  if (doc == NULL)
    return;
  arena_block *b = doc->blocks;
  while (b != NULL)
    {
      arena_block *next = b->next;
      free (b);
      b = next;
    }
  free (doc);
}

pk_value *
pk_doc_root (pk_doc *doc)
{
  return doc->root;
}

static nn_status
vm_fail (pk_vm *vm, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static nn_status
vm_fail (pk_vm *vm, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  return nn_error_set (vm->err, NN_STATUS_FORMAT, -1, "%s: %s", vm->name, msg);
}

static pk_value *
vm_new (pk_vm *vm, pk_kind kind)
{
  if (++vm->doc->n_values > PK_MAX_VALUES)
    return NULL;
  pk_value *v = arena_alloc (vm->doc, sizeof *v);
  if (v != NULL)
    v->kind = kind;
  return v;
}

static nn_status
vm_push (pk_vm *vm, pk_value *v)
{
  if (v == NULL)
    return vm_fail (vm, "the pickle is too large (more than %d objects)", PK_MAX_VALUES);
  if (vm->sp == vm->stack_cap)
    {
      if (vm->stack_cap >= PK_MAX_STACK)
        return vm_fail (vm, "the pickle's stack is too deep");
      int64_t cap = vm->stack_cap ? vm->stack_cap * 2 : 256;
      pk_value **s = realloc (vm->stack, (size_t) cap * sizeof *s);
      if (s == NULL)
        return nn_error_set (vm->err, NN_STATUS_NOMEM, -1, "%s: out of memory", vm->name);
      vm->stack = s;
      vm->stack_cap = cap;
    }
  vm->stack[vm->sp++] = v;
  return NN_OK;
}

static pk_value *
vm_pop (pk_vm *vm)
{
  int64_t floor = vm->n_marks ? vm->marks[vm->n_marks - 1] : 0;
  if (vm->sp <= floor)
    return NULL;
  return vm->stack[--vm->sp];
}

/* Items above the topmost mark: returns their start index and removes the mark. */
static bool
vm_pop_mark (pk_vm *vm, int64_t *start)
{
  if (vm->n_marks == 0)
    return false;
  *start = vm->marks[--vm->n_marks];
  return true;
}

static bool
vm_read (pk_vm *vm, size_t n, const unsigned char **out)
{
  if ((size_t) (vm->end - vm->p) < n)
    return false;
  *out = vm->p;
  vm->p += n;
  return true;
}

static uint64_t
read_le (const unsigned char *b, int n)
{
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = (v << 8) | b[i];
  return v;
}

static pk_value *
seq_from (pk_vm *vm, pk_kind kind, int64_t start)
{
  pk_value *v = vm_new (vm, kind);
  if (v == NULL)
    return NULL;
  int64_t n = vm->sp - start;
  if (n > 0)
    {
      v->items = arena_alloc (vm->doc, (size_t) n * sizeof (pk_value *));
      if (v->items == NULL)
        return NULL;
      memcpy (v->items, vm->stack + start, (size_t) n * sizeof (pk_value *));
    }
  v->n = n;
  v->cap = n;
  vm->sp = start;
  return v;
}

static bool
seq_append (pk_vm *vm, pk_value *seq, pk_value *item)
{
  if (seq->n == seq->cap)
    {
      int64_t cap = seq->cap ? seq->cap * 2 : 8;
      pk_value **items = arena_alloc (vm->doc, (size_t) cap * sizeof *items);
      if (items == NULL)
        return false;
      if (seq->n)
        memcpy (items, seq->items, (size_t) seq->n * sizeof *items);
      seq->items = items;
      seq->cap = cap;
    }
  seq->items[seq->n++] = item;
  return true;
}

static bool
dict_set (pk_vm *vm, pk_value *dict, pk_value *key, pk_value *val)
{
  for (int64_t i = 0; i < dict->n; i++)
    if (pk_value_equal (dict->keys[i], key))
      {
        dict->items[i] = val;
        return true;
      }
  if (dict->n == dict->cap)
    {
      int64_t cap = dict->cap ? dict->cap * 2 : 8;
      pk_value **keys = arena_alloc (vm->doc, (size_t) cap * sizeof *keys);
      pk_value **vals = arena_alloc (vm->doc, (size_t) cap * sizeof *vals);
      if (keys == NULL || vals == NULL)
        return false;
      if (dict->n)
        {
          memcpy (keys, dict->keys, (size_t) dict->n * sizeof *keys);
          memcpy (vals, dict->items, (size_t) dict->n * sizeof *vals);
        }
      dict->keys = keys;
      dict->items = vals;
      dict->cap = cap;
    }
  dict->keys[dict->n] = key;
  dict->items[dict->n] = val;
  dict->n++;
  return true;
}

bool
pk_value_equal (const pk_value *a, const pk_value *b)
{
  if (a->kind != b->kind)
    return false;
  switch (a->kind)
    {
    case PK_INT:
    case PK_BOOL:
      return a->i == b->i;
    case PK_STR:
      return a->len == b->len && memcmp (a->s, b->s, a->len) == 0;
    case PK_NONE:
      return true;
    default:
      return a == b;
    }
}

pk_value *
pk_dict_get (const pk_value *dict, const char *key)
{
  if (dict == NULL || dict->kind != PK_DICT)
    return NULL;
  size_t len = strlen (key);
  for (int64_t i = 0; i < dict->n; i++)
    {
      const pk_value *k = dict->keys[i];
      if (k->kind == PK_STR && k->len == len && memcmp (k->s, key, len) == 0)
        return dict->items[i];
    }
  return NULL;
}

const char *
pk_global_name (pk_global id)
{
  for (size_t i = 0; i < sizeof allowed_globals / sizeof allowed_globals[0]; i++)
    if (allowed_globals[i].id == id)
      return allowed_globals[i].name;
  return "?";
}

/* The layers a whole-model file may hold, as "Conv2d, ReLU, ...", for messages */
static void
layer_list (char *buf, size_t size)
{
  static const char prefix[] = "torch.nn.modules.";
  size_t used = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < sizeof allowed_globals / sizeof allowed_globals[0]; i++)
    if (strncmp (allowed_globals[i].module, prefix, sizeof prefix - 1) == 0
        && allowed_globals[i].id != PK_G_SEQUENTIAL && used < size)
      {
        int n = snprintf (buf + used, size - used, "%s%s", used > 0 ? ", " : "",
                          allowed_globals[i].name);
        if (n < 0)
          break;
        used += (size_t) n;
      }
}

/* Why a global is refused, worded for the two cases a user meets: a PyTorch layer
 * Layerlab does not have, and any other class (a model's own, torchvision's), whose
 * code a whole-model file names but does not contain. */
static nn_status
refuse_global (pk_vm *vm, const char *module, const char *name)
{
  char layers[512];

  layer_list (layers, sizeof layers);
  if (strncmp (module, "torch.nn.modules.", strlen ("torch.nn.modules.")) == 0)
    return nn_error_set (vm->err, NN_STATUS_UNSUPPORTED, -1,
                         "%s: uses torch.nn.%s, a layer Layerlab does not have; a whole "
                         "model opens when it is a torch.nn.Sequential of %s",
                         vm->name, name, layers);
  return nn_error_set (vm->err, NN_STATUS_UNSUPPORTED, -1,
                       "%s: refuses the pickled global '%s.%s'. A whole-model file names "
                       "its classes but does not contain their code, and Layerlab runs no "
                       "pickled code: it opens state_dicts, and whole models that are a "
                       "torch.nn.Sequential of %s. For another model, save its weights "
                       "with torch.save(model.state_dict(), PATH) and load them into the "
                       "same network built in Layerlab",
                       vm->name, module, name, layers);
}

static nn_status
op_global (pk_vm *vm)
{
  /* GLOBAL: "module\nname\n" */
  char module[128], name[128];
  for (int part = 0; part < 2; part++)
    {
      char *dst = part == 0 ? module : name;
      size_t n = 0;
      while (vm->p < vm->end && *vm->p != '\n')
        {
          if (n + 1 >= sizeof module)
            return vm_fail (vm, "a global name in the pickle is too long");
          dst[n++] = (char) *vm->p++;
        }
      if (vm->p == vm->end)
        return vm_fail (vm, "the pickle is truncated (it ends inside a global name)");
      vm->p++;
      dst[n] = '\0';
    }
  for (size_t i = 0; i < sizeof allowed_globals / sizeof allowed_globals[0]; i++)
    if (strcmp (allowed_globals[i].module, module) == 0 && strcmp (allowed_globals[i].name, name) == 0)
      {
        pk_value *v = vm_new (vm, PK_GLOBAL);
        if (v != NULL)
          v->global = allowed_globals[i].id;
        return vm_push (vm, v);
      }
  return refuse_global (vm, module, name);
}

static bool
is_int_tuple (const pk_value *v, int max_n)
{
  if (v == NULL || (v->kind != PK_TUPLE && v->kind != PK_LIST) || v->n > max_n)
    return false;
  for (int64_t i = 0; i < v->n; i++)
    if (v->items[i]->kind != PK_INT)
      return false;
  return true;
}

/* _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]) */
static nn_status
rebuild_tensor (pk_vm *vm, pk_value *args, pk_value **out)
{
  if (args->n < 4 || args->items[0]->kind != PK_STORAGE || args->items[1]->kind != PK_INT
      || !is_int_tuple (args->items[2], NN_MAX_DIMS) || !is_int_tuple (args->items[3], NN_MAX_DIMS)
      || args->items[2]->n != args->items[3]->n)
    return vm_fail (vm, "a tensor in the pickle has malformed arguments (or more than %d dimensions)",
                    NN_MAX_DIMS);
  pk_value *t = vm_new (vm, PK_TENSOR);
  if (t == NULL)
    return vm_fail (vm, "the pickle is too large");
  t->storage = args->items[0];
  t->offset = args->items[1]->i;
  t->n_dims = (int32_t) args->items[2]->n;
  for (int d = 0; d < t->n_dims; d++)
    {
      t->size[d] = args->items[2]->items[d]->i;
      t->stride[d] = args->items[3]->items[d]->i;
    }
  *out = t;
  return NN_OK;
}

static nn_status
op_reduce (pk_vm *vm)
{
  pk_value *args = vm_pop (vm);
  pk_value *fn = vm_pop (vm);
  pk_value *res = NULL;
  if (fn == NULL || args == NULL || args->kind != PK_TUPLE)
    return vm_fail (vm, "malformed REDUCE");
  if (fn->kind != PK_GLOBAL)
    return vm_fail (vm, "REDUCE on something that is not an allowed global");
  switch (fn->global)
    {
    case PK_G_ORDERED_DICT:
      res = vm_new (vm, PK_DICT);
      break;
    case PK_G_SET:
      res = vm_new (vm, PK_SET);
      break;
    case PK_G_TORCH_SIZE:
      if (args->n != 1 || !is_int_tuple (args->items[0], NN_MAX_DIMS))
        return vm_fail (vm, "malformed torch.Size");
      res = args->items[0];
      break;
    case PK_G_REBUILD_TENSOR:
      {
        nn_status st = rebuild_tensor (vm, args, &res);
        if (st != NN_OK)
          return st;
      }
      break;
    case PK_G_REBUILD_PARAMETER:
      if (args->n < 1 || args->items[0]->kind != PK_TENSOR)
        return vm_fail (vm, "malformed parameter");
      res = args->items[0];
      break;
    default:
      return vm_fail (vm, "refuses to call '%s'", pk_global_name (fn->global));
    }
  return vm_push (vm, res);
}

/* persistent id ('storage', StorageType, key, location, numel) */
static nn_status
op_binpersid (pk_vm *vm)
{
  pk_value *pid = vm_pop (vm);
  if (pid == NULL || pid->kind != PK_TUPLE || pid->n != 5 || pid->items[0]->kind != PK_STR
      || strcmp (pid->items[0]->s, "storage") != 0 || pid->items[1]->kind != PK_GLOBAL
      || pid->items[2]->kind != PK_STR || pid->items[4]->kind != PK_INT)
    return vm_fail (vm, "malformed storage reference");
  pk_value *st = vm_new (vm, PK_STORAGE);
  if (st == NULL)
    return vm_fail (vm, "the pickle is too large");
  switch (pid->items[1]->global)
    {
    case PK_G_FLOAT_STORAGE: st->dtype = PK_DTYPE_F32; break;
    case PK_G_DOUBLE_STORAGE: st->dtype = PK_DTYPE_F64; break;
    case PK_G_LONG_STORAGE: st->dtype = PK_DTYPE_I64; break;
    default:
      return vm_fail (vm, "unsupported storage type '%s'", pk_global_name (pid->items[1]->global));
    }
  if (pid->items[2]->len >= sizeof st->key || pid->items[4]->i < 0)
    return vm_fail (vm, "malformed storage reference");
  memcpy (st->key, pid->items[2]->s, pid->items[2]->len + 1);
  st->numel = pid->items[4]->i;
  return vm_push (vm, st);
}

static nn_status
op_build (pk_vm *vm)
{
  pk_value *state = vm_pop (vm);
  pk_value *obj = vm_pop (vm);
  if (state == NULL || obj == NULL)
    return vm_fail (vm, "malformed BUILD");
  if (obj->kind == PK_OBJECT)
    obj->state = state;
  /* BUILD on an OrderedDict sets attributes like _metadata: nothing Layerlab needs. */
  else if (obj->kind != PK_DICT)
    return vm_fail (vm, "BUILD on an unexpected object");
  return vm_push (vm, obj);
}

static nn_status
op_newobj (pk_vm *vm)
{
  pk_value *args = vm_pop (vm);
  pk_value *cls = vm_pop (vm);
  if (cls == NULL || args == NULL || cls->kind != PK_GLOBAL)
    return vm_fail (vm, "malformed NEWOBJ");
  if (cls->global < PK_G_SEQUENTIAL)
    return vm_fail (vm, "refuses to construct '%s'", pk_global_name (cls->global));
  pk_value *obj = vm_new (vm, PK_OBJECT);
  if (obj != NULL)
    obj->global = cls->global;
  return vm_push (vm, obj);
}

static nn_status
memo_put (pk_vm *vm, uint64_t idx)
{
  if (vm->sp == 0)
    return vm_fail (vm, "memo store on an empty stack");
  if (idx >= PK_MAX_MEMO)
    return vm_fail (vm, "memo index %llu is too large", (unsigned long long) idx);
  if ((int64_t) idx >= vm->memo_cap)
    {
      int64_t cap = vm->memo_cap ? vm->memo_cap : 256;
      while (cap <= (int64_t) idx)
        cap *= 2;
      pk_value **m = realloc (vm->memo, (size_t) cap * sizeof *m);
      if (m == NULL)
        return nn_error_set (vm->err, NN_STATUS_NOMEM, -1, "%s: out of memory", vm->name);
      memset (m + vm->memo_cap, 0, (size_t) (cap - vm->memo_cap) * sizeof *m);
      vm->memo = m;
      vm->memo_cap = cap;
    }
  vm->memo[idx] = vm->stack[vm->sp - 1];
  return NN_OK;
}

static nn_status
memo_get (pk_vm *vm, uint64_t idx)
{
  if ((int64_t) idx >= vm->memo_cap || vm->memo[idx] == NULL)
    return vm_fail (vm, "memo index %llu was never stored", (unsigned long long) idx);
  return vm_push (vm, vm->memo[idx]);
}

static nn_status
push_int (pk_vm *vm, int64_t i)
{
  pk_value *v = vm_new (vm, PK_INT);
  if (v)
    v->i = i;
  return vm_push (vm, v);
}

static nn_status
push_str (pk_vm *vm, uint64_t len)
{
  const unsigned char *b;
  if (len > (uint64_t) (vm->end - vm->p) || !vm_read (vm, (size_t) len, &b))
    return vm_fail (vm, "the pickle is truncated (it ends inside a string)");
  pk_value *v = vm_new (vm, PK_STR);
  if (v == NULL)
    return vm_fail (vm, "the pickle is too large");
  v->s = arena_alloc (vm->doc, (size_t) len + 1);
  if (v->s == NULL)
    return vm_fail (vm, "the pickle is too large");
  memcpy (v->s, b, (size_t) len);
  v->len = (size_t) len;
  return vm_push (vm, v);
}

static nn_status
op_setitems (pk_vm *vm, int64_t start)
{
  if (start < 1 || (vm->sp - start) % 2 != 0)
    return vm_fail (vm, "malformed SETITEMS");
  pk_value *dict = vm->stack[start - 1];
  if (dict->kind != PK_DICT)
    return vm_fail (vm, "SETITEMS on something that is not a dict");
  for (int64_t i = start; i < vm->sp; i += 2)
    if (!dict_set (vm, dict, vm->stack[i], vm->stack[i + 1]))
      return vm_fail (vm, "the pickle is too large");
  vm->sp = start;
  return NN_OK;
}

static nn_status
op_appends (pk_vm *vm, int64_t start)
{
  if (start < 1)
    return vm_fail (vm, "malformed APPENDS");
  pk_value *list = vm->stack[start - 1];
  if (list->kind != PK_LIST && list->kind != PK_SET)
    return vm_fail (vm, "APPENDS on something that is not a list");
  for (int64_t i = start; i < vm->sp; i++)
    if (!seq_append (vm, list, vm->stack[i]))
      return vm_fail (vm, "the pickle is too large");
  vm->sp = start;
  return NN_OK;
}

static nn_status
push_mark (pk_vm *vm)
{
  if (vm->n_marks == vm->marks_cap)
    {
      if (vm->marks_cap >= PK_MAX_STACK)
        return vm_fail (vm, "too many marks");
      int64_t cap = vm->marks_cap ? vm->marks_cap * 2 : 64;
      int64_t *m = realloc (vm->marks, (size_t) cap * sizeof *m);
      if (m == NULL)
        return nn_error_set (vm->err, NN_STATUS_NOMEM, -1, "%s: out of memory", vm->name);
      vm->marks = m;
      vm->marks_cap = cap;
    }
  vm->marks[vm->n_marks++] = vm->sp;
  return NN_OK;
}

static nn_status
vm_step (pk_vm *vm, unsigned char op, bool *stop)
{
  const unsigned char *b;
  int64_t start;
  pk_value *v, *w, *x;

#define NEED(n) do { if (!vm_read (vm, (n), &b)) return vm_fail (vm, "the pickle is truncated"); } while (0)
#define POP(dst) do { if (((dst) = vm_pop (vm)) == NULL) return vm_fail (vm, "stack underflow at opcode 0x%02x", op); } while (0)

  switch (op)
    {
    case 0x80: NEED (1); if (b[0] > 5) return vm_fail (vm, "pickle protocol %d is not supported", b[0]); return NN_OK; /* PROTO */
    case 0x95: NEED (8); return NN_OK;                                         /* FRAME */
    case '.': *stop = true; return NN_OK;                                      /* STOP */
    case '(': return push_mark (vm);                                           /* MARK */
    case '0': POP (v); return NN_OK;                                           /* POP */
    case ')': return vm_push (vm, seq_from (vm, PK_TUPLE, vm->sp));            /* EMPTY_TUPLE */
    case ']': return vm_push (vm, seq_from (vm, PK_LIST, vm->sp));             /* EMPTY_LIST */
    case '}': return vm_push (vm, vm_new (vm, PK_DICT));                       /* EMPTY_DICT */
    case 0x8f: return vm_push (vm, vm_new (vm, PK_SET));                       /* EMPTY_SET */
    case 't':                                                                  /* TUPLE */
    case 'l':                                                                  /* LIST */
    case 0x91:                                                                 /* FROZENSET */
      if (!vm_pop_mark (vm, &start))
        return vm_fail (vm, "TUPLE without MARK");
      return vm_push (vm, seq_from (vm, op == 't' ? PK_TUPLE : op == 'l' ? PK_LIST : PK_SET, start));
    case 0x85: case 0x86: case 0x87:                                           /* TUPLE1..3 */
      {
        int64_t n = op - 0x84;
        int64_t floor = vm->n_marks ? vm->marks[vm->n_marks - 1] : 0;
        if (vm->sp - floor < n)
          return vm_fail (vm, "stack underflow in TUPLE%d", (int) n);
        return vm_push (vm, seq_from (vm, PK_TUPLE, vm->sp - n));
      }
    case 'd':                                                                  /* DICT */
      if (!vm_pop_mark (vm, &start))
        return vm_fail (vm, "DICT without MARK");
      {
        nn_status st = vm_push (vm, vm_new (vm, PK_DICT));
        if (st != NN_OK)
          return st;
        /* move the new dict below the items and reuse SETITEMS */
        pk_value *d = vm->stack[--vm->sp];
        memmove (vm->stack + start + 1, vm->stack + start, (size_t) (vm->sp - start) * sizeof (pk_value *));
        vm->stack[start] = d;
        vm->sp++;
        return op_setitems (vm, start + 1);
      }
    case 'a': POP (v); POP (w); if (w->kind != PK_LIST) return vm_fail (vm, "APPEND to a non-list");   /* APPEND */
      if (!seq_append (vm, w, v)) return vm_fail (vm, "the pickle is too large");
      return vm_push (vm, w);
    case 'e': case 0x90:                                                       /* APPENDS, ADDITEMS */
      if (!vm_pop_mark (vm, &start))
        return vm_fail (vm, "APPENDS without MARK");
      return op_appends (vm, start);
    case 's': POP (v); POP (w); POP (x);                                       /* SETITEM */
      if (x->kind != PK_DICT) return vm_fail (vm, "SETITEM on a non-dict");
      if (!dict_set (vm, x, w, v)) return vm_fail (vm, "the pickle is too large");
      return vm_push (vm, x);
    case 'u':                                                                  /* SETITEMS */
      if (!vm_pop_mark (vm, &start))
        return vm_fail (vm, "SETITEMS without MARK");
      return op_setitems (vm, start);
    case 'q': NEED (1); return memo_put (vm, b[0]);                            /* BINPUT */
    case 'r': NEED (4); return memo_put (vm, read_le (b, 4));                  /* LONG_BINPUT */
    case 'h': NEED (1); return memo_get (vm, b[0]);                            /* BINGET */
    case 'j': NEED (4); return memo_get (vm, read_le (b, 4));                  /* LONG_BINGET */
    case 'K': NEED (1); return push_int (vm, b[0]);                            /* BININT1 */
    case 'M': NEED (2); return push_int (vm, (int64_t) read_le (b, 2));        /* BININT2 */
    case 'J': NEED (4); return push_int (vm, (int32_t) (uint32_t) read_le (b, 4)); /* BININT */
    case 0x8a:                                                                 /* LONG1 */
      NEED (1);
      {
        int n = b[0];
        if (n > 8)
          return vm_fail (vm, "an integer in the pickle does not fit in 64 bits");
        NEED ((size_t) n);
        uint64_t u = n ? read_le (b, n) : 0;
        if (n > 0 && n < 8 && (b[n - 1] & 0x80))
          u |= ~(uint64_t) 0 << (8 * n);
        return push_int (vm, (int64_t) u);
      }
    case 'N': return vm_push (vm, vm_new (vm, PK_NONE));                       /* NONE */
    case 0x88: case 0x89:                                                      /* NEWTRUE/NEWFALSE */
      v = vm_new (vm, PK_BOOL);
      if (v) v->i = op == 0x88;
      return vm_push (vm, v);
    case 'G':                                                                  /* BINFLOAT (big-endian) */
      NEED (8);
      {
        uint64_t u = 0;
        for (int i = 0; i < 8; i++)
          u = (u << 8) | b[i];
        double d;
        memcpy (&d, &u, sizeof d);
        v = vm_new (vm, PK_FLOAT);
        if (v) v->f = d;
        return vm_push (vm, v);
      }
    case 'X': NEED (4); return push_str (vm, read_le (b, 4));                  /* BINUNICODE */
    case 0x8c: NEED (1); return push_str (vm, b[0]);                           /* SHORT_BINUNICODE */
    case 0x8d: NEED (8); return push_str (vm, read_le (b, 8));                 /* BINUNICODE8 */
    case 'c': return op_global (vm);                                           /* GLOBAL */
    case 'R': return op_reduce (vm);                                           /* REDUCE */
    case 0x81: return op_newobj (vm);                                          /* NEWOBJ */
    case 'b': return op_build (vm);                                            /* BUILD */
    case 'Q': return op_binpersid (vm);                                        /* BINPERSID */
    default:
      return vm_fail (vm, "refuses pickle opcode 0x%02x at byte %td", op, vm->p - 1 - vm->begin);
    }
#undef NEED
#undef POP
}

nn_status
pk_load (const void *data, size_t size, const char *name, pk_doc **out, nn_error *err)
{
  pk_vm vm = { 0 };
  *out = NULL;
  vm.doc = calloc (1, sizeof *vm.doc);
  if (vm.doc == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", name);
  vm.begin = vm.p = data;
  vm.end = vm.p + size;
  vm.name = name;
  vm.err = err;
  int64_t memoize_next = 0;
  bool stop = false;
  nn_status st = NN_OK;
  while (st == NN_OK && !stop)
    {
      if (vm.p >= vm.end)
        {
          st = vm_fail (&vm, "the pickle is truncated (it ends without STOP)");
          break;
        }
      unsigned char op = *vm.p++;
      if (op == 0x94) /* MEMOIZE stores at the next free index */
        st = memo_put (&vm, (uint64_t) memoize_next++);
      else
        st = vm_step (&vm, op, &stop);
    }
  if (st == NN_OK && vm.sp != 1)
    st = vm_fail (&vm, "the pickle leaves %lld values instead of one", (long long) vm.sp);
  if (st == NN_OK)
    {
      vm.doc->root = vm.stack[0];
      *out = vm.doc;
    }
  else
    pk_doc_free (vm.doc);
  free (vm.stack);
  free (vm.marks);
  free (vm.memo);
  return st;
}

export const id = 445;
export const ids = [445];
export const modules = {

/***/ 8445:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   sendToSqs: () => (/* binding */ sendToSqs)
/* harmony export */ });
/* unused harmony exports FALLBACK_MAX_MESSAGE_SIZE, MAX_BATCH_ENTRIES, regionFromQueueUrl */
/* harmony import */ var _aws_sdk_client_sqs__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8868);
/* harmony import */ var p_limit__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(370);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4296);
/* harmony import */ var _lib_retry_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1737);
/* harmony import */ var _messages_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7947);





/** What SQS allows when the queue's own limit cannot be read (a send-only role): the older, smaller one. */
const FALLBACK_MAX_MESSAGE_SIZE = 262_144;
const MAX_BATCH_ENTRIES = 10;
const STANDARD_QUEUE_CONCURRENCY = 5;
function regionFromQueueUrl(queueUrl) {
    return /sqs[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(queueUrl)?.[1];
}
function attributeBytes(attributes) {
    return Object.entries(attributes).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength('String') + Buffer.byteLength(v), 0);
}
/** Sends one message per finding and per image; never throws: what was not delivered is returned. */
async function sendToSqs(args) {
    const { settings, logger } = args;
    const region = settings.region ||
        args.env.AWS_REGION ||
        args.env.AWS_DEFAULT_REGION ||
        regionFromQueueUrl(settings.queueUrl) ||
        'us-east-1';
    // The queue's own host, unless the standard variables name another (VPC endpoints, mirrors).
    const endpoint = args.env.AWS_ENDPOINT_URL_SQS || args.env.AWS_ENDPOINT_URL || new URL(settings.queueUrl).origin;
    // The SDK retries throttling and 5xx itself (standard mode, with backoff); more attempts for a busy queue.
    const client = new _aws_sdk_client_sqs__WEBPACK_IMPORTED_MODULE_3__/* .SQSClient */ .hW({ region, endpoint, maxAttempts: 5 });
    const delivery = { delivered: 0, undelivered: [], shortened: 0 };
    const delivered = new Set();
    try {
        const maxSize = await queueMaxSize(client, settings.queueUrl, logger);
        const fifo = settings.queueUrl.endsWith('.fifo');
        const prepared = [];
        for (const message of args.messages) {
            const attributes = { ...message.attributes, ...settings.userAttributes };
            const attrBytes = attributeBytes(attributes);
            const body = (0,_messages_js__WEBPACK_IMPORTED_MODULE_2__/* .fitBody */ .KM)(message, maxSize, attrBytes);
            const size = Buffer.byteLength(body) + attrBytes;
            if (body !== JSON.stringify(message.document))
                delivery.shortened += 1;
            if (size > maxSize)
                delivery.undelivered.push({
                    message,
                    reason: `${size} bytes even without long fields; the queue allows ${maxSize}`,
                });
            else
                prepared.push({ message, body, attributes, size });
        }
        // Standard queues have no order, so batches go out a few at a time; FIFO keeps each image's messages in order.
        const limit = (0,p_limit__WEBPACK_IMPORTED_MODULE_4__/* ["default"] */ .A)(fifo ? 1 : STANDARD_QUEUE_CONCURRENCY);
        const sent = await Promise.allSettled([...batches(prepared, maxSize)].map((batch) => limit(() => sendBatch({ client, settings, batch, fifo, delivery, delivered }))));
        const failure = sent.find((r) => r.status === 'rejected');
        if (failure)
            throw failure.reason;
    }
    catch (err) {
        // Configuration-level failures (credentials, unknown queue): nothing more can be sent. What was sent stays sent.
        const settled = new Set([...delivered, ...delivery.undelivered.map((u) => u.message.key)]);
        const reason = (0,_core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .describeError */ .Uc)(err);
        logger.debug(`SQS: ${reason}`);
        for (const message of args.messages)
            if (!settled.has(message.key))
                delivery.undelivered.push({ message, reason });
    }
    finally {
        client.destroy();
    }
    return delivery;
}
async function queueMaxSize(client, queueUrl, logger) {
    try {
        const { Attributes } = await client.send(new _aws_sdk_client_sqs__WEBPACK_IMPORTED_MODULE_3__/* .GetQueueAttributesCommand */ .Ko({ QueueUrl: queueUrl, AttributeNames: ['MaximumMessageSize'] }));
        const size = Number(Attributes?.MaximumMessageSize);
        return Number.isFinite(size) && size > 0 ? size : FALLBACK_MAX_MESSAGE_SIZE;
    }
    catch (err) {
        const name = err?.name ?? '';
        // A send-only role may not read attributes; anything else (no such queue, bad credentials) is fatal here.
        if (!/AccessDenied|AuthorizationError|UnauthorizedOperation/i.test(name))
            throw err;
        logger.info(`SQS: cannot read the queue's MaximumMessageSize (${name}); keeping messages within ` +
            `${FALLBACK_MAX_MESSAGE_SIZE} bytes`);
        return FALLBACK_MAX_MESSAGE_SIZE;
    }
}
/** At most 10 entries and at most the queue's size limit per batch, in order. */
function* batches(items, maxSize) {
    let current = [];
    let size = 0;
    for (const item of items) {
        if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && size + item.size > maxSize)) {
            yield current;
            current = [];
            size = 0;
        }
        current.push(item);
        size += item.size;
    }
    if (current.length > 0)
        yield current;
}
/** Whole-batch failures that another try can fix: throttling beyond the SDK's attempts, 5xx, network. */
function isTransient(err) {
    const name = err?.name ?? '';
    const text = `${name} ${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .describeError */ .Uc)(err)}`;
    return (/Throttl|RequestThrottled|ServiceUnavailable|InternalError|TimeoutError|ECONNRESET|ECONNREFUSED/i.test(text) ||
        ((0,_lib_retry_js__WEBPACK_IMPORTED_MODULE_1__/* .httpStatus */ .nG)(err) ?? 0) >= 500);
}
/** Sends one batch; entries SQS failed on its side are sent again, alone, with the one retry helper. */
async function sendBatch(args) {
    const { client, settings, fifo, delivery, delivered } = args;
    let pending = args.batch;
    let attempts = 0;
    const attempt = async (n) => {
        attempts = n;
        const entries = pending.map((p, i) => ({
            Id: `m${i}`,
            MessageBody: p.body,
            MessageAttributes: Object.fromEntries(Object.entries(p.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
            ...(fifo ? { MessageGroupId: p.message.groupId, MessageDeduplicationId: p.message.deduplicationId } : {}),
        }));
        let response;
        try {
            response = await client.send(new _aws_sdk_client_sqs__WEBPACK_IMPORTED_MODULE_3__/* .SendMessageBatchCommand */ .vY({ QueueUrl: settings.queueUrl, Entries: entries }));
        }
        catch (err) {
            if (!isTransient(err))
                throw err;
            throw new _lib_retry_js__WEBPACK_IMPORTED_MODULE_1__/* .RetryableError */ .dw(`${err?.name ?? 'Error'}: ${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .describeError */ .Uc)(err)}`);
        }
        for (const ok of response.Successful ?? []) {
            const item = pending[Number(ok.Id?.slice(1))];
            if (item && !delivered.has(item.message.key)) {
                delivered.add(item.message.key);
                delivery.delivered += 1;
            }
        }
        const again = [];
        let lastReason = '';
        for (const failed of response.Failed ?? []) {
            const item = pending[Number(failed.Id?.slice(1))];
            if (!item)
                continue;
            const reason = `${failed.Code ?? 'Failed'}: ${failed.Message ?? ''}`.trim();
            if (failed.SenderFault)
                delivery.undelivered.push({ message: item.message, reason });
            else {
                again.push(item);
                lastReason = reason;
            }
        }
        pending = again;
        if (pending.length > 0)
            throw new _lib_retry_js__WEBPACK_IMPORTED_MODULE_1__/* .RetryableError */ .dw(lastReason);
    };
    try {
        await (0,_lib_retry_js__WEBPACK_IMPORTED_MODULE_1__/* .retry */ .L5)(settings.retry, attempt, { classify: (err) => ({ retry: err instanceof _lib_retry_js__WEBPACK_IMPORTED_MODULE_1__/* .RetryableError */ .dw }) });
    }
    catch (err) {
        if (!(err instanceof _lib_retry_js__WEBPACK_IMPORTED_MODULE_1__/* .RetryableError */ .dw))
            throw err;
        for (const item of pending) {
            delivery.undelivered.push({
                message: item.message,
                reason: `still failing after ${attempts} attempts: ${err.message}`,
            });
        }
    }
}


/***/ })

};

# syntax=docker/dockerfile:1
# The gateway (with the embedded engine when KSQLDB_GATEWAY_KSQL_URL is unset),
# on the current Node LTS line. Build: docker build -t ksqldb-gateway .
FROM node:lts-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:lts-slim
ENV NODE_ENV=production \
    KSQLDB_GATEWAY_HOST=0.0.0.0 \
    KSQLDB_GATEWAY_PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY schema.graphql ./
USER node
EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:4000/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/ksqldb-gateway.js"]
CMD ["serve"]
